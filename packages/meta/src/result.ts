// Building command results, and InfluxDB's wording for each rejection. Where the storage engine
// already words an error (packages/tsdb/src/errors.ts), the message is taken from its error class
// so the single-node catalog and META can never drift apart.

import {
  DatabaseNameRequiredError,
  DatabaseNotFoundError,
  FieldTypeConflictError,
  InvalidRetentionPolicyError,
  RetentionPolicyExistsError,
  RetentionPolicyNotFoundError,
} from '@shoal/tsdb';
import { MAX_TIME_NS, MIN_TIME_NS } from '@shoal/lineproto';
import type { MetaError, MetaErrorCode, MetaResult } from './types.js';

/** A command's result and whether it changed the state (only changes become change records). */
export interface Outcome<T> {
  readonly result: MetaResult<T>;
  readonly changed: boolean;
}

export function done<T>(value: T, changed: boolean): Outcome<T> {
  return { result: { ok: true, value }, changed };
}

export function rejected(code: MetaErrorCode, message: string): Outcome<never> {
  return { result: { ok: false, error: { code, message } }, changed: false };
}

export function rejectedWith(error: MetaError): Outcome<never> {
  return { result: { ok: false, error }, changed: false };
}

export const errors = {
  databaseNameRequired: (): MetaError => ({ code: 'database-name-required', message: new DatabaseNameRequiredError().message }),
  databaseNotFound: (db: string): MetaError => ({ code: 'database-not-found', message: new DatabaseNotFoundError(db).message }),
  retentionPolicyNotFound: (db: string, rp: string): MetaError => ({
    code: 'retention-policy-not-found',
    message: new RetentionPolicyNotFoundError(db, rp).message,
  }),
  retentionPolicyExists: (db: string, rp: string): MetaError => ({
    code: 'retention-policy-exists',
    message: new RetentionPolicyExistsError(db, rp).message,
  }),
  retentionPolicyConflict: (): MetaError => ({ code: 'retention-policy-conflict', message: 'retention policy conflicts with an existing policy' }),
  fieldTypeConflict: (measurement: string, field: string, inputType: string, existingType: string): MetaError => ({
    code: 'field-type-conflict',
    message: new FieldTypeConflictError(measurement, field, inputType, existingType).message,
  }),
  shardGroupNotFound: (): MetaError => ({ code: 'shard-group-not-found', message: 'shard group not found' }),
  timeOutOfRange: (): MetaError => ({ code: 'time-out-of-range', message: `time outside range ${MIN_TIME_NS} - ${MAX_TIME_NS}` }),
  noDataNodes: (): MetaError => ({ code: 'no-data-nodes', message: 'no data nodes available' }),
  usernameRequired: (): MetaError => ({ code: 'username-required', message: 'username required' }),
  userExists: (): MetaError => ({ code: 'user-exists', message: 'user already exists' }),
  userNotFound: (): MetaError => ({ code: 'user-not-found', message: 'user not found' }),
  nodeExists: (): MetaError => ({ code: 'node-exists', message: 'node already exists' }),
  nodeNotFound: (): MetaError => ({ code: 'node-not-found', message: 'node not found' }),
  badCommand: (message: string): MetaError => ({ code: 'bad-command', message }),
};

/** The rejection for a validation error the tsdb rules threw (normalizeSpec); rethrows anything else. */
export function fromRuleError(err: unknown): MetaError {
  if (err instanceof InvalidRetentionPolicyError) return { code: 'invalid-retention-policy', message: err.message };
  throw err;
}
