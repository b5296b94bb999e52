// The DATA node: write path, HTTP API and process composition.

export type { ConsistencyLevel, PointsWriter, WriteOutcome, WriteRequest } from './points-writer.js';
export { LocalPointsWriter, type LocalPointsWriterOptions } from './local-points-writer.js';
export { LocalDeletes } from './local-deletes.js';

export { DataNode, type DataNodeOptions } from './data-node.js';
export { DataDirError, ensureWritableDir } from './data-dir.js';
export { MetaConnection, META_SUBDIR, startEmbeddedMeta, type EmbeddedMetaOptions, type MetaConnectionOptions } from './meta-connection.js';
export { MetaMembership, MetaRegistrationError, NODE_ID_FILE, type MetaMembershipOptions } from './meta-membership.js';
export { IMPORTED_CATALOG_FILE, LEGACY_CATALOG_FILE } from './catalog-import.js';
export {
  ConfigError,
  DEFAULT_DATA_DIR,
  DEFAULT_HTTP_BIND,
  DEFAULT_LOG_LEVEL,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_META_BIND,
  ENV_VARS,
  loadConfig,
  parseBindAddress,
  readConfigFile,
  resolveConfig,
  type ConfigFlags,
  type ConfigLayers,
  type ConfigSources,
  type Environment,
  type HttpConfig,
  type MetaConfig,
  type RetentionConfig,
  type ShoalConfig,
} from './config.js';
export { createLogger, isLogLevel, LOG_FIELDS, LOG_LEVELS, type Logger, type LoggerOptions, type LogLevel } from './logger.js';
export {
  Counter,
  Gauge,
  Histogram,
  MetricsRegistry,
  PROMETHEUS_TEXT_CONTENT_TYPE,
  registerProcessMetrics,
  registerStatsGauges,
  type LabelValues,
} from './metrics.js';
export { HttpApi, type HttpApiOptions, type HttpServices, type NodePhase } from './http/api.js';
export { HttpServer, ListenError } from './http/server.js';
export { INFLUXDB_COMPAT_VERSION, INFLUXDB_VERSION_HEADER_VALUE, SHOAL_VERSION } from './http/version.js';
