// What the HTTP API says it is. Clients (node-influx, the influx CLI, Telegraf, Grafana) read
// X-Influxdb-Version only to show it or to pick 1.x behaviour, so we claim the InfluxDB release
// whose HTTP behaviour we follow, marked as ours, and carry our own version in X-Shoal-Version.

/** Shoal's own release; kept equal to packages/data/package.json's version (a test checks). */
export const SHOAL_VERSION = '0.1.0';

/** The InfluxDB 1.x release whose HTTP API behaviour Shoal follows. */
export const INFLUXDB_COMPAT_VERSION = '1.6.7';

/** The X-Influxdb-Version header and the `version` of /ping?verbose=true and /health. */
export const INFLUXDB_VERSION_HEADER_VALUE = `${INFLUXDB_COMPAT_VERSION}-shoal`;
