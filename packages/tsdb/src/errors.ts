// Typed errors raised by the storage engine and the catalog. Each carries what a user needs to act;
// the HTTP layer maps them to InfluxDB's wording in one place (packages/data/src/http/errors.ts).

export class ShoalError extends Error {
  override name = 'ShoalError';
}

export class DatabaseNotFoundError extends ShoalError {
  override name = 'DatabaseNotFoundError';
  constructor(readonly database: string) {
    super(`database not found: "${database}"`);
  }
}

export class RetentionPolicyNotFoundError extends ShoalError {
  override name = 'RetentionPolicyNotFoundError';
  constructor(readonly database: string, readonly retentionPolicy: string) {
    super(`retention policy not found: ${retentionPolicy}`);
  }
}

export class DatabaseNameRequiredError extends ShoalError {
  override name = 'DatabaseNameRequiredError';
  constructor() {
    super('database name required');
  }
}

export class RetentionPolicyExistsError extends ShoalError {
  override name = 'RetentionPolicyExistsError';
  constructor(readonly database: string, readonly retentionPolicy: string) {
    super('retention policy already exists');
  }
}

/** A retention policy's definition is invalid (InfluxDB's validation messages). */
export class InvalidRetentionPolicyError extends ShoalError {
  override name = 'InvalidRetentionPolicyError';
}

/** A field was written with a type other than the one the catalog fixed for it. */
export class FieldTypeConflictError extends ShoalError {
  override name = 'FieldTypeConflictError';
  constructor(
    readonly measurement: string,
    readonly field: string,
    readonly inputType: string,
    readonly existingType: string,
  ) {
    super(
      `field type conflict: input field "${field}" on measurement "${measurement}" is type ${inputType}, already exists as type ${existingType}`,
    );
  }
}

/** The engine is closing or closed and takes no more writes. */
export class EngineClosedError extends ShoalError {
  override name = 'EngineClosedError';
  constructor() {
    super('engine is closed');
  }
}

/** Data read back from disk failed its checksum or structural checks. */
export class CorruptionError extends ShoalError {
  override name = 'CorruptionError';
}
