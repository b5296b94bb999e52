// Field value types of InfluxDB 1.x line protocol. Numeric codes so hot paths can keep them in
// typed arrays; the same codes are used on disk by the storage engine, so never renumber them.

export const FieldType = {
  Float: 0,
  Integer: 1,
  Unsigned: 2,
  Boolean: 3,
  String: 4,
} as const;

export type FieldType = (typeof FieldType)[keyof typeof FieldType];

/** InfluxDB's names for the types, as used in its error messages and SHOW FIELD KEYS. */
export const FIELD_TYPE_NAMES: readonly string[] = ['float', 'integer', 'unsigned', 'boolean', 'string'];

export function fieldTypeName(type: FieldType): string {
  return FIELD_TYPE_NAMES[type]!;
}
