export { FieldType, FIELD_TYPE_NAMES, fieldTypeName } from './field-type.js';
