// The InfluxQL statements whose answers are recorded from InfluxDB 1.6.7 (record.mjs) and later
// compared with Shoal's. They run in this order against the data set of dataset.mjs; the DDL
// group changes a scratch database, so later statements see its effect.
//
// A statement: { id, q, db?, rp?, epoch?, method?, form?, params?, headers? }
//   id      golden file name (golden/<id>.json); unique, [a-z0-9-]
//   method  'GET' (default) or 'POST'; POST puts the parameters in the URL unless `form` is true,
//           which sends them as an application/x-www-form-urlencoded body
//   params  further /query parameters (chunked, chunk_size, pretty, params, ...), as strings
//   headers request headers (Accept: application/csv)

const HOUR1 = "time >= '2016-01-01T00:00:00Z' AND time < '2016-01-01T01:00:00Z'";
const MIN10 = "time >= '2016-01-01T00:00:00Z' AND time < '2016-01-01T00:10:00Z'";
const HOST0 = "hostname = 'host_0'";

const list = [];
let group = '';
/** Adds a statement; db defaults to compat (pass db: undefined explicitly for none). */
function s(id, q, opts = {}) {
  list.push({ id: `${group}-${id}`, q, db: 'db' in opts ? opts.db : 'compat', ...withoutDb(opts) });
}
function withoutDb(opts) {
  const { db: _db, ...rest } = opts;
  return rest;
}

// --- SHOW -------------------------------------------------------------------------------------
group = 'show';
s('databases', 'SHOW DATABASES', { db: undefined });
s('measurements', 'SHOW MEASUREMENTS');
s('measurements-on', 'SHOW MEASUREMENTS ON ops', { db: undefined });
s('measurements-with-regex', 'SHOW MEASUREMENTS WITH MEASUREMENT =~ /^(cpu|m)/');
s('measurements-with-eq', 'SHOW MEASUREMENTS WITH MEASUREMENT = "h2o.level"');
s('measurements-where-tag', "SHOW MEASUREMENTS WHERE hostname = 'host_0'");
s('measurements-where-tag-regex', 'SHOW MEASUREMENTS WHERE region =~ /^eu/');
s('measurements-limit-offset', 'SHOW MEASUREMENTS LIMIT 3 OFFSET 2');
s('measurements-no-db', 'SHOW MEASUREMENTS', { db: undefined });
s('measurements-unknown-db', 'SHOW MEASUREMENTS ON no_such_db', { db: undefined });
s('measurements-empty-db', 'SHOW MEASUREMENTS', { db: 'empty_db' });
s('tag-keys', 'SHOW TAG KEYS');
s('tag-keys-from', 'SHOW TAG KEYS FROM cpu');
s('tag-keys-from-regex', 'SHOW TAG KEYS FROM /^(mem|disk)$/');
s('tag-keys-odd-names', 'SHOW TAG KEYS FROM "cpu load"');
s('tag-keys-on', 'SHOW TAG KEYS ON ops FROM cpu', { db: undefined });
s('tag-keys-limit', 'SHOW TAG KEYS FROM cpu LIMIT 3 OFFSET 1');
s('tag-values-key-eq', 'SHOW TAG VALUES FROM cpu WITH KEY = region');
s('tag-values-key-in', 'SHOW TAG VALUES FROM cpu WITH KEY IN (hostname, "team")');
s('tag-values-key-regex', 'SHOW TAG VALUES FROM cpu WITH KEY =~ /^(os|arch)$/');
s('tag-values-key-neq', 'SHOW TAG VALUES FROM mem WITH KEY != host');
s('tag-values-where', "SHOW TAG VALUES FROM cpu WITH KEY = hostname WHERE region = 'us-east-1'");
s('tag-values-all-measurements', 'SHOW TAG VALUES WITH KEY = location');
s('tag-values-limit-offset', 'SHOW TAG VALUES FROM cpu WITH KEY = hostname LIMIT 2 OFFSET 1');
s('tag-values-unicode', 'SHOW TAG VALUES FROM "温度" WITH KEY = "城市"');
s('tag-values-missing-with', 'SHOW TAG VALUES FROM cpu');
s('field-keys', 'SHOW FIELD KEYS');
s('field-keys-from-cpu', 'SHOW FIELD KEYS FROM cpu');
s('field-keys-from-disk', 'SHOW FIELD KEYS FROM disk');
s('field-keys-on-ops', 'SHOW FIELD KEYS ON ops', { db: undefined });
s('field-keys-rp-qualified', 'SHOW FIELD KEYS FROM hourly.net');
s('series', 'SHOW SERIES');
s('series-from', 'SHOW SERIES FROM weather');
s('series-where', "SHOW SERIES FROM cpu WHERE region = 'eu-central-1'");
s('series-limit-offset', 'SHOW SERIES LIMIT 5 OFFSET 3');
s('series-odd-names', 'SHOW SERIES FROM "cpu load", "m,comma", "quote\\"m"');
s('series-on-ops', 'SHOW SERIES ON ops', { db: undefined });
s('series-exact-cardinality', 'SHOW SERIES EXACT CARDINALITY');
s('series-exact-cardinality-from', 'SHOW SERIES EXACT CARDINALITY FROM cpu');
s('measurement-exact-cardinality', 'SHOW MEASUREMENT EXACT CARDINALITY');
s('tag-values-exact-cardinality', 'SHOW TAG VALUES EXACT CARDINALITY WITH KEY = hostname');
s('retention-policies', 'SHOW RETENTION POLICIES');
s('retention-policies-on', 'SHOW RETENTION POLICIES ON ops', { db: undefined });
s('retention-policies-unknown-db', 'SHOW RETENTION POLICIES ON no_such_db', { db: undefined });
s('retention-policies-no-db', 'SHOW RETENTION POLICIES', { db: undefined });
s('continuous-queries', 'SHOW CONTINUOUS QUERIES', { db: undefined });

// --- SELECT, raw -----------------------------------------------------------------------------
group = 'raw';
s('fields', `SELECT usage_user, usage_idle FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('star-limit', 'SELECT * FROM cpu LIMIT 3');
s('star-host', `SELECT * FROM cpu WHERE hostname = 'host_3' AND ${MIN10}`);
s('tags-and-fields', `SELECT hostname, region, usage_user FROM cpu WHERE ${MIN10} LIMIT 6`);
s('only-tags', `SELECT hostname, region FROM cpu WHERE ${MIN10}`);
s('time-column', `SELECT time, usage_user FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('aliases', `SELECT usage_user AS u, usage_system AS "sys tem", usage_idle AS idle FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('arithmetic', `SELECT usage_user + usage_system, usage_user * 2, usage_idle / 3, usage_user - usage_system AS diff, usage_user % 7 AS rem FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('arithmetic-int-division', `SELECT usage_user / 4, usage_system / usage_user, -usage_user, (usage_user + 1) * (usage_system - 1) FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('arithmetic-constants', `SELECT usage_idle * 0.5 + 1, 10 - usage_system FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('casts', `SELECT usage_user::float, usage_idle::integer, usage_user::field, hostname::tag FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('where-time-rfc3339', `SELECT usage_user FROM cpu WHERE ${HOST0} AND time >= '2016-01-01T00:30:00Z' AND time <= '2016-01-01T00:35:00Z'`);
s('where-time-integer', `SELECT usage_user FROM cpu WHERE ${HOST0} AND time >= 1451606400000000000 AND time < 1451606700000000000`);
s('where-time-seconds-literal', `SELECT usage_user FROM cpu WHERE ${HOST0} AND time >= 1451606400s AND time < 1451606580s`);
s('where-time-duration-arith', `SELECT usage_user FROM cpu WHERE ${HOST0} AND time >= '2016-01-01T00:00:00Z' + 10m AND time < '2016-01-01T01:00:00Z' - 45m`);
s('where-time-date-only', `SELECT usage_user FROM cpu WHERE ${HOST0} AND time > '2016-01-01' AND time < '2016-01-01T00:03:30Z'`);
s('where-time-eq', `SELECT * FROM cpu WHERE time = '2016-01-01T00:05:00Z'`);
s('where-time-fraction', `SELECT * FROM hourly.net WHERE time >= '2016-01-01T00:00:00.123456789Z' AND time < '2016-01-01T00:17:00.124691356Z'`);
s('where-tag-ne', `SELECT usage_user FROM cpu WHERE hostname != 'host_0' AND time = '2016-01-01T00:07:00Z'`);
s('where-tag-regex', `SELECT usage_user FROM cpu WHERE hostname =~ /host_[12]/ AND time = '2016-01-01T00:07:00Z'`);
s('where-tag-not-regex', `SELECT usage_user FROM cpu WHERE hostname !~ /^host_[0-2]$/ AND time = '2016-01-01T00:07:00Z'`);
s('where-tag-missing-eq-empty', "SELECT * FROM weather WHERE location = ''");
s('where-tag-unknown', "SELECT * FROM cpu WHERE nosuchtag = 'x'");
s('where-field-gt', `SELECT usage_user, hostname FROM cpu WHERE usage_user > 97 AND ${HOUR1}`);
s('where-field-float', `SELECT usage_idle FROM cpu WHERE usage_idle >= 99.5 AND ${HOUR1}`);
s('where-field-int-vs-float-literal', `SELECT usage_user FROM cpu WHERE usage_user = 50.0 AND ${HOUR1}`);
s('where-and-or', `SELECT usage_user, hostname FROM cpu WHERE (hostname = 'host_0' OR hostname = 'host_1') AND usage_user > 95 AND ${HOUR1}`);
s('where-or-fields', `SELECT usage_user, usage_system FROM cpu WHERE ${HOST0} AND (usage_user < 5 OR usage_system > 38)`);
s('where-field-arith', `SELECT usage_user, usage_system FROM cpu WHERE ${HOST0} AND usage_user + usage_system > 130`);
s('where-string-field', "SELECT * FROM disk WHERE status = 'degraded'");
s('where-string-regex', 'SELECT status FROM disk WHERE status =~ /^(ok|full)$/');
s('where-bool-field', 'SELECT readonly, path FROM disk WHERE readonly = true');
s('disk-all', 'SELECT * FROM disk');
s('weather-all', 'SELECT * FROM weather');
s('weather-sparse-fields', 'SELECT humidity, wind FROM weather');
s('mem-bigints', "SELECT total, used, free, extreme FROM mem WHERE host = 'host_2'");
s('mem-bigint-filter', 'SELECT total FROM mem WHERE total > 9007199254740994 AND total < 9007199254741000');
s('mem-extreme-filter', 'SELECT extreme FROM mem WHERE extreme < -9007199254740992 OR extreme > 9007199254740992');
s('net-ns', "SELECT * FROM hourly.net WHERE host = 'host_1'");
s('net-ns-epoch-ns', "SELECT * FROM hourly.net WHERE host = 'host_1'", { epoch: 'ns' });
s('multi-measurement', `SELECT usage_user, total FROM cpu, mem WHERE time <= '2016-01-01T00:05:00Z' AND (${HOST0} OR host = 'host_0')`);
s('regex-from', 'SELECT * FROM /^h2o/');
s('regex-from-many', "SELECT * FROM /^(cpu load|weather|quote\"m)$/ WHERE time < '2016-01-01T00:10:00Z'");
s('fully-qualified', 'SELECT * FROM "compat"."hourly"."net" LIMIT 3', { db: undefined });
s('db-default-rp', 'SELECT * FROM ops..cpu', { db: undefined });
s('db-rp-qualified', 'SELECT * FROM ops.autogen.cpu', { db: undefined });
s('rp-qualified', 'SELECT bytes_sent FROM hourly.net LIMIT 2');
s('rp-param', 'SELECT bytes_sent FROM net LIMIT 2', { params: { rp: 'hourly' } });
s('default-rp-misses-other-rp', 'SELECT * FROM net');
s('precision-s-points', "SELECT * FROM cpu WHERE hostname = 'ops_s'", { db: 'ops' });
s('odd-names', `SELECT "field one", "field=eq", "eq=key" FROM "cpu load" WHERE "tag key" = 'tag value'`);
s('odd-names-all', 'SELECT * FROM "cpu load"');
s('unicode', `SELECT * FROM "温度" WHERE "城市" = '東京'`);
s('quote-in-name', 'SELECT * FROM "quote\\"m", "m,comma", "\\"quoted\\""');
s('dot-in-name', 'SELECT * FROM "h2o.level"');
s('odd-db-name', 'SELECT * FROM x', { db: 'odd-db name' });
s('unknown-measurement', 'SELECT * FROM no_such_measurement');
s('unknown-field', `SELECT no_such_field FROM cpu WHERE ${MIN10}`);
s('mixed-known-unknown-field', `SELECT usage_user, no_such_field FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('overwrite-one-field', `SELECT * FROM cpu WHERE ${HOST0} AND time = '2016-01-01T00:05:00Z'`);
s('overwrite-in-batch', "SELECT * FROM cpu WHERE hostname = 'host_1' AND time = '2016-01-01T00:10:00Z'");
s('duplicate-ns-in-batch', "SELECT err_in FROM hourly.net WHERE host = 'host_1' AND time < '2016-01-01T00:01:00Z'");
s('later-shard-groups', "SELECT * FROM cpu WHERE time >= '2016-01-07T00:00:00Z'");
s('order-desc', `SELECT usage_user FROM cpu WHERE ${HOST0} AND ${MIN10} ORDER BY time DESC`);
s('order-desc-limit', `SELECT usage_user, hostname FROM cpu WHERE ${HOUR1} ORDER BY time DESC LIMIT 4`);
s('limit-offset', `SELECT usage_user FROM cpu WHERE ${HOST0} AND ${HOUR1} LIMIT 3 OFFSET 5`);
s('offset-past-end', `SELECT usage_user FROM cpu WHERE ${HOST0} AND ${MIN10} OFFSET 100`);
s('group-by-tag', `SELECT usage_user FROM cpu WHERE time < '2016-01-01T00:03:00Z' GROUP BY hostname`);
s('group-by-star', `SELECT usage_user FROM cpu WHERE time < '2016-01-01T00:02:00Z' GROUP BY *`);
s('group-by-two-tags-limit', `SELECT usage_user FROM cpu WHERE ${HOUR1} GROUP BY region, hostname LIMIT 2`);
s('slimit-soffset', `SELECT usage_user FROM cpu WHERE time < '2016-01-01T00:03:00Z' GROUP BY hostname SLIMIT 2 SOFFSET 1`);
s('slimit-desc', `SELECT usage_user FROM cpu WHERE time < '2016-01-01T00:03:00Z' GROUP BY hostname ORDER BY time DESC SLIMIT 2`);
s('now-upper-bound', 'SELECT count(usage_user) FROM cpu WHERE time < now()');
s('now-recent-empty', 'SELECT * FROM cpu WHERE time > now() - 1h');
s('now-arith', "SELECT count(total) FROM mem WHERE time < now() + 1000d AND time > '2015-12-31T00:00:00Z'");
s('tz', `SELECT usage_user FROM cpu WHERE ${HOST0} AND time < '2016-01-01T00:03:00Z' tz('America/New_York')`);
s('bound-params', 'SELECT usage_user FROM cpu WHERE hostname = $host AND time < $t LIMIT 3', {
  params: { params: JSON.stringify({ host: 'host_1', t: '2016-01-01T00:05:00Z' }) },
});

// --- Aggregates and selectors ---------------------------------------------------------------
group = 'fn';
s('count', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1}`);
s('count-all-time', 'SELECT count(usage_user) FROM cpu');
s('count-star', `SELECT count(*) FROM cpu WHERE ${HOUR1}`);
s('count-sparse', 'SELECT count(temperature), count(humidity), count(wind) FROM weather');
s('sum-int', `SELECT sum(usage_user) FROM cpu WHERE ${HOUR1}`);
s('sum-float', `SELECT sum(usage_idle) FROM cpu WHERE ${HOUR1}`);
s('sum-bigint', 'SELECT sum(total) FROM mem');
s('sum-int64-overflow', 'SELECT sum(extreme) FROM mem');
s('mean', `SELECT mean(usage_user), mean(usage_idle) FROM cpu WHERE ${HOUR1}`);
s('mean-bigint', 'SELECT mean(total) FROM mem');
s('median', `SELECT median(usage_user), median(usage_idle) FROM cpu WHERE ${HOUR1}`);
s('median-bigint', "SELECT median(total) FROM mem WHERE host = 'host_1'");
s('mode', `SELECT mode(usage_system) FROM cpu WHERE ${HOUR1}`);
s('mode-string-bool', 'SELECT mode(status), mode(readonly) FROM disk');
s('spread', `SELECT spread(usage_user), spread(usage_idle) FROM cpu WHERE ${HOUR1}`);
s('spread-int64-overflow', 'SELECT spread(extreme) FROM mem');
s('stddev', `SELECT stddev(usage_user), stddev(usage_idle) FROM cpu WHERE ${HOUR1}`);
s('stddev-single-point', "SELECT stddev(temperature) FROM weather WHERE location = 'us-east'");
s('min-max', `SELECT min(usage_user), max(usage_idle) FROM cpu WHERE ${HOUR1}`);
s('max-with-fields', `SELECT max(usage_user), hostname, usage_system FROM cpu WHERE ${HOUR1}`);
s('min-max-extreme', 'SELECT min(extreme), max(extreme) FROM mem');
s('max-bigint', 'SELECT max(total) FROM mem');
s('first-last', `SELECT first(usage_user), last(usage_user) FROM cpu WHERE ${HOST0}`);
s('first-last-strings', 'SELECT first(status), last(status), first(readonly), last(readonly) FROM disk');
s('first-ns', 'SELECT first(bytes_recv), last(bytes_recv) FROM hourly.net');
s('percentile', `SELECT percentile(usage_user, 90), percentile(usage_idle, 50), percentile(usage_user, 0), percentile(usage_user, 100) FROM cpu WHERE ${HOUR1}`);
s('percentile-float-arg', `SELECT percentile(usage_user, 33.3) FROM cpu WHERE ${HOUR1}`);
s('distinct', `SELECT distinct(usage_system) FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('distinct-strings', 'SELECT distinct(status) FROM disk');
s('count-distinct', `SELECT count(distinct(usage_system)) FROM cpu WHERE ${HOUR1}`);
s('top', `SELECT top(usage_user, 3) FROM cpu WHERE ${HOUR1}`);
s('top-tag', `SELECT top(usage_user, hostname, 2) FROM cpu WHERE ${HOUR1}`);
s('top-with-field', `SELECT top(usage_user, 2), usage_system, hostname FROM cpu WHERE ${HOUR1}`);
s('bottom', `SELECT bottom(usage_idle, 3) FROM cpu WHERE ${HOUR1}`);
s('bottom-tag', `SELECT bottom(usage_user, hostname, 3) FROM cpu WHERE ${HOUR1}`);
s('bottom-bigint', 'SELECT bottom(extreme, 2) FROM mem');
s('multiple-aggregates', `SELECT count(usage_user), mean(usage_idle), max(usage_system), min(usage_iowait) FROM cpu WHERE ${HOUR1}`);
s('aggregate-arithmetic', `SELECT sum(usage_user) / count(usage_user), mean(usage_user) * 2, max(usage_user) - min(usage_user) FROM cpu WHERE ${HOUR1}`);
s('wildcard-max', `SELECT max(*) FROM cpu WHERE ${HOUR1}`);
s('regex-field-mean', `SELECT mean(/^usage_(user|system)$/) FROM cpu WHERE ${HOUR1}`);
s('count-strings-bools', 'SELECT count(status), count(readonly) FROM disk');
s('aggregate-regex-from', 'SELECT count(v) FROM /^(m,comma|quote"m|"quoted")$/');
s('aggregate-unknown-field', `SELECT mean(no_such_field) FROM cpu WHERE ${HOUR1}`);
s('integral', `SELECT integral(usage_user), integral(usage_user, 1m) FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('abs', `SELECT abs(usage_idle - 50), abs(usage_system) FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('non-negative-difference', `SELECT non_negative_difference(usage_user) FROM cpu WHERE ${HOST0} AND ${MIN10}`);

// --- GROUP BY time and fill ------------------------------------------------------------------
group = 'gbt';
s('mean-10m', `SELECT mean(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(10m)`);
s('offset', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(10m, 3m)`);
s('negative-offset', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(10m, -2m)`);
s('start-mid-bucket', "SELECT count(usage_user) FROM cpu WHERE time >= '2016-01-01T00:07:00Z' AND time < '2016-01-01T00:41:00Z' GROUP BY time(15m)");
s('fill-null', 'SELECT mean(temperature) FROM weather WHERE time >= \'2016-01-01T00:00:00Z\' AND time < \'2016-01-01T02:00:00Z\' GROUP BY time(15m)');
s('fill-none', 'SELECT mean(temperature) FROM weather WHERE time >= \'2016-01-01T00:00:00Z\' AND time < \'2016-01-01T02:00:00Z\' GROUP BY time(15m) fill(none)');
s('fill-previous', 'SELECT mean(temperature), max(humidity) FROM weather WHERE time >= \'2016-01-01T00:00:00Z\' AND time < \'2016-01-01T02:00:00Z\' GROUP BY time(15m) fill(previous)');
s('fill-linear', 'SELECT mean(temperature), max(humidity) FROM weather WHERE time >= \'2016-01-01T00:00:00Z\' AND time < \'2016-01-01T02:00:00Z\' GROUP BY time(15m) fill(linear)');
s('fill-zero', 'SELECT mean(temperature), count(humidity) FROM weather WHERE time >= \'2016-01-01T00:00:00Z\' AND time < \'2016-01-01T02:00:00Z\' GROUP BY time(15m) fill(0)');
s('fill-number', 'SELECT mean(temperature), max(humidity) FROM weather WHERE time >= \'2016-01-01T00:00:00Z\' AND time < \'2016-01-01T02:00:00Z\' GROUP BY time(15m) fill(-1.5)');
s('fill-number-int', 'SELECT max(humidity) FROM weather WHERE time >= \'2016-01-01T00:00:00Z\' AND time < \'2016-01-01T02:00:00Z\' GROUP BY time(30m) fill(100)');
s('fill-linear-by-tag', 'SELECT mean(temperature) FROM weather WHERE time >= \'2016-01-01T00:00:00Z\' AND time < \'2016-01-01T02:00:00Z\' GROUP BY time(20m), location fill(linear)');
s('by-tag', `SELECT max(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(30m), hostname`);
s('by-star', `SELECT min(usage_idle) FROM cpu WHERE ${HOUR1} GROUP BY time(30m), *`);
s('by-tag-regex', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(30m), /^(region|arch)$/`);
s('by-tag-only', `SELECT mean(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY region`);
s('by-missing-tag', 'SELECT count(temperature) FROM weather GROUP BY location');
s('by-unknown-tag', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY nosuchtag`);
s('desc', `SELECT sum(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(10m) ORDER BY time DESC`);
s('limit-offset', `SELECT mean(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(10m), hostname LIMIT 2 OFFSET 1`);
s('slimit-soffset', `SELECT mean(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(30m), hostname SLIMIT 2 SOFFSET 2`);
s('upper-bound-now-fill-none', "SELECT count(usage_user) FROM cpu WHERE time >= '2016-01-01T00:00:00Z' GROUP BY time(1d) fill(none)");
s('week-buckets', "SELECT count(usage_user), max(usage_idle) FROM cpu WHERE time >= '2015-12-28T00:00:00Z' AND time < '2016-01-25T00:00:00Z' GROUP BY time(1w)");
s('hourly-shards', "SELECT sum(bytes_sent), last(bytes_recv) FROM hourly.net WHERE time >= '2016-01-01T00:00:00Z' AND time < '2016-01-01T07:00:00Z' GROUP BY time(1h)");
s('bigint-by-host', 'SELECT max(total), sum(used) FROM mem WHERE time >= \'2016-01-01T00:00:00Z\' AND time < \'2016-01-01T01:00:00Z\' GROUP BY time(20m), host');
s('strings', 'SELECT count(status), last(status) FROM disk WHERE time >= \'2016-01-01T00:00:00Z\' AND time < \'2016-01-01T01:10:00Z\' GROUP BY time(20m)');
s('selector-time', `SELECT max(usage_user) FROM cpu WHERE ${HOST0} AND ${HOUR1} GROUP BY time(20m)`);
s('top-per-bucket', `SELECT top(usage_user, 2) FROM cpu WHERE ${HOUR1} GROUP BY time(20m)`);
s('percentile-per-bucket', `SELECT percentile(usage_idle, 95), median(usage_idle) FROM cpu WHERE ${HOUR1} GROUP BY time(20m)`);
s('count-star-by-time', 'SELECT count(*) FROM weather WHERE time >= \'2016-01-01T00:00:00Z\' AND time < \'2016-01-01T02:00:00Z\' GROUP BY time(30m)');

// --- Transformations -------------------------------------------------------------------------
group = 'tx';
s('derivative', `SELECT derivative(usage_user) FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('derivative-unit', `SELECT derivative(usage_idle, 1s) FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('derivative-of-mean', `SELECT derivative(mean(usage_user), 10m) FROM cpu WHERE ${HOUR1} GROUP BY time(10m)`);
s('derivative-desc', `SELECT derivative(usage_user) FROM cpu WHERE ${HOST0} AND ${MIN10} ORDER BY time DESC`);
s('non-negative-derivative', "SELECT non_negative_derivative(bytes_recv, 1s) FROM hourly.net WHERE host = 'host_0'");
s('non-negative-derivative-of-max', "SELECT non_negative_derivative(max(bytes_recv), 1h) FROM hourly.net WHERE time >= '2016-01-01T00:00:00Z' AND time < '2016-01-01T07:00:00Z' GROUP BY time(1h), host");
s('difference', `SELECT difference(usage_user) FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('difference-of-max', `SELECT difference(max(usage_user)) FROM cpu WHERE ${HOUR1} GROUP BY time(10m)`);
s('difference-int64-overflow', "SELECT difference(extreme) FROM mem WHERE host = 'host_2'");
s('difference-float', `SELECT difference(usage_idle) FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('moving-average', `SELECT moving_average(usage_user, 3) FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('moving-average-of-mean', `SELECT moving_average(mean(usage_user), 2) FROM cpu WHERE ${HOUR1} GROUP BY time(10m)`);
s('cumulative-sum', `SELECT cumulative_sum(usage_user) FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('cumulative-sum-bigint', "SELECT cumulative_sum(total) FROM mem WHERE host = 'host_0'");
s('cumulative-sum-of-mean', `SELECT cumulative_sum(mean(usage_idle)) FROM cpu WHERE ${HOUR1} GROUP BY time(10m)`);
s('elapsed', `SELECT elapsed(usage_user) FROM cpu WHERE ${HOST0} AND ${MIN10}`);
s('elapsed-unit', "SELECT elapsed(temperature, 1m) FROM weather WHERE location = 'us-midwest'");
s('elapsed-ns', "SELECT elapsed(bytes_sent, 1ms) FROM hourly.net WHERE host = 'host_1'");
s('derivative-by-tag', `SELECT derivative(usage_system, 1m) FROM cpu WHERE time < '2016-01-01T00:04:00Z' GROUP BY hostname`);
s('transform-with-limit', `SELECT difference(usage_user) FROM cpu WHERE ${HOST0} AND ${HOUR1} LIMIT 3 OFFSET 2`);

// --- Subqueries ------------------------------------------------------------------------------
group = 'sub';
s('mean-of-max', `SELECT mean(m) FROM (SELECT max(usage_user) AS m FROM cpu WHERE ${HOUR1} GROUP BY time(10m), hostname)`);
s('mean-of-max-by-host', `SELECT mean(m) FROM (SELECT max(usage_user) AS m FROM cpu WHERE ${HOUR1} GROUP BY time(10m), hostname) GROUP BY hostname`);
s('max-of-sum-expr', `SELECT max(s) FROM (SELECT usage_user + usage_system AS s FROM cpu WHERE ${HOUR1})`);
s('outer-where', `SELECT m, hostname FROM (SELECT max(usage_user) AS m FROM cpu WHERE ${HOUR1} GROUP BY time(30m), hostname) WHERE m > 97`);
s('nested-twice', `SELECT sum(c) FROM (SELECT count(x) AS c FROM (SELECT usage_user AS x FROM cpu WHERE ${HOUR1} AND usage_user > 50) GROUP BY time(20m))`);
s('raw-passthrough', `SELECT * FROM (SELECT usage_user, hostname FROM cpu WHERE ${HOST0} AND ${MIN10})`);
s('derivative-of-sub', `SELECT derivative(mx, 10m) FROM (SELECT max(usage_user) AS mx FROM cpu WHERE ${HOUR1} GROUP BY time(10m))`);
s('group-by-time-outer', `SELECT mean(u) FROM (SELECT usage_user AS u FROM cpu WHERE ${HOUR1}) WHERE ${HOUR1} GROUP BY time(30m)`);

// --- Epoch variants --------------------------------------------------------------------------
group = 'epoch';
for (const epoch of ['ns', 'n', 'u', 'µ', 'ms', 's', 'm', 'h']) {
  const name = epoch === 'µ' ? 'micro-sign' : epoch;
  s(name, "SELECT bytes_sent FROM hourly.net WHERE host = 'host_1' LIMIT 3", { epoch });
}
s('none-rfc3339', "SELECT bytes_sent FROM hourly.net WHERE host = 'host_1' LIMIT 3");
s('unknown', "SELECT bytes_sent FROM hourly.net WHERE host = 'host_1' LIMIT 3", { epoch: 'days' });
s('aggregate-ms', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(20m)`, { epoch: 'ms' });

// --- Several statements in one query --------------------------------------------------------
group = 'multi';
s('three', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1}; SELECT count(total) FROM mem; SHOW DATABASES`);
s('error-in-middle', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1}; SELECT mean(usage_user), usage_user FROM cpu; SELECT count(total) FROM mem`);
s('unknown-db-then-ok', 'SELECT * FROM no_such_db..cpu; SELECT count(total) FROM compat..mem', { db: undefined });
s('trailing-semicolon', 'SHOW RETENTION POLICIES ON ops;', { db: undefined });

// --- Errors ----------------------------------------------------------------------------------
group = 'err';
s('parse-select-from', 'SELECT FROM cpu');
s('parse-typo', 'SELEC * FROM cpu');
s('parse-where-incomplete', 'SELECT * FROM cpu WHERE');
s('parse-unterminated-string', "SELECT * FROM cpu WHERE hostname = 'host_0");
s('parse-bad-regex', 'SELECT * FROM cpu WHERE hostname =~ /[/');
s('parse-bad-duration', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(10x)`);
s('parse-second-statement', 'SHOW DATABASES; SELECT * FROM');
s('parse-bad-fill', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(10m) fill(sideways)`);
s('missing-q', '', {});
s('unknown-db', 'SELECT * FROM cpu', { db: 'no_such_db' });
s('no-db', 'SELECT * FROM cpu', { db: undefined });
s('mixing-aggregates', 'SELECT mean(usage_user), usage_user FROM cpu');
s('unknown-function', 'SELECT nosuchfn(usage_user) FROM cpu');
s('group-by-time-no-aggregate', `SELECT usage_user FROM cpu WHERE ${HOUR1} GROUP BY time(10m)`);
s('derivative-raw-group-by-time', `SELECT derivative(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(10m)`);
s('percentile-missing-arg', 'SELECT percentile(usage_user) FROM cpu');
s('top-bad-count', 'SELECT top(usage_user, 0) FROM cpu');
s('max-of-string', 'SELECT max(status) FROM disk');
s('mean-of-string', 'SELECT mean(status) FROM disk');
s('sum-of-bool', 'SELECT sum(readonly) FROM disk');
s('distinct-of-tag', 'SELECT distinct(hostname) FROM cpu');
s('aggregate-of-tag', 'SELECT count(hostname) FROM cpu');
s('moving-average-bad-window', 'SELECT moving_average(usage_user, 0) FROM cpu');
s('field-in-group-by', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY usage_user`);
s('show-tag-values-no-key', 'SHOW TAG VALUES WITH KEY', { db: undefined });

// --- DDL on a scratch database, in order ------------------------------------------------------
group = 'ddl';
const POST = { method: 'POST', db: undefined };
s('create-db', 'CREATE DATABASE ddl_scratch', POST);
s('create-db-again', 'CREATE DATABASE ddl_scratch', POST);
s('show-databases-after-create', 'SHOW DATABASES', { db: undefined });
// InfluxDB 1.6 still runs writing statements sent with GET, with a deprecation warning.
s('get-create-database-warns', 'CREATE DATABASE ddl_get', { db: undefined });
s('select-into', `SELECT usage_user, hostname INTO ddl_scratch..cpu_copy FROM cpu WHERE ${HOST0} AND ${MIN10}`, { method: 'POST' });
s('select-into-get-warns', `SELECT usage_user INTO ddl_scratch.autogen.cpu_copy2 FROM cpu WHERE ${MIN10} GROUP BY *`);
s('select-into-result', 'SELECT * FROM cpu_copy', { db: 'ddl_scratch' });
s('show-measurements-after-into', 'SHOW MEASUREMENTS ON ddl_scratch', { db: undefined });
s('show-series-after-into', 'SHOW SERIES ON ddl_scratch', { db: undefined });
s('create-rp', 'CREATE RETENTION POLICY two_days ON ddl_scratch DURATION 2d REPLICATION 1', POST);
s('create-rp-default', 'CREATE RETENTION POLICY one_week ON ddl_scratch DURATION 1w REPLICATION 1 SHARD DURATION 1d DEFAULT', POST);
s('show-rps', 'SHOW RETENTION POLICIES ON ddl_scratch', { db: undefined });
s('create-rp-conflict', 'CREATE RETENTION POLICY two_days ON ddl_scratch DURATION 5d REPLICATION 1', POST);
s('create-rp-too-short', 'CREATE RETENTION POLICY short ON ddl_scratch DURATION 30m REPLICATION 1', POST);
s('create-rp-unknown-db', 'CREATE RETENTION POLICY rp ON no_such_db DURATION 1d REPLICATION 1', POST);
s('alter-rp', 'ALTER RETENTION POLICY two_days ON ddl_scratch DURATION 3d DEFAULT', POST);
s('alter-rp-shard', 'ALTER RETENTION POLICY two_days ON ddl_scratch SHARD DURATION 2h', POST);
s('show-rps-after-alter', 'SHOW RETENTION POLICIES ON ddl_scratch', { db: undefined });
s('alter-rp-unknown', 'ALTER RETENTION POLICY nope ON ddl_scratch DURATION 3d', POST);
s('drop-rp', 'DROP RETENTION POLICY one_week ON ddl_scratch', POST);
s('drop-rp-unknown', 'DROP RETENTION POLICY nope ON ddl_scratch', POST);
s('show-rps-after-drop', 'SHOW RETENTION POLICIES ON ddl_scratch', { db: undefined });
s('create-db-with', 'CREATE DATABASE ddl_scratch2 WITH DURATION 3d REPLICATION 1 SHARD DURATION 1h NAME rp3', POST);
s('show-rps-db-with', 'SHOW RETENTION POLICIES ON ddl_scratch2', { db: undefined });
s('create-db-form-post', 'CREATE DATABASE "ddl scratch 3"', { ...POST, form: true });
s('drop-dbs', 'DROP DATABASE ddl_scratch2; DROP DATABASE ddl_scratch; DROP DATABASE "ddl scratch 3"; DROP DATABASE ddl_get', POST);
s('drop-db-unknown', 'DROP DATABASE no_such_db', POST);
s('show-rps-dropped-db', 'SHOW RETENTION POLICIES ON ddl_scratch', { db: undefined });
s('show-databases-final', 'SHOW DATABASES', { db: undefined });

// --- Transport: chunked, CSV, pretty, form bodies ----------------------------------------------
group = 'http';
s('chunked-raw', `SELECT usage_user FROM cpu WHERE ${HOST0} AND ${MIN10}`, { params: { chunked: 'true', chunk_size: '3' } });
s('chunked-by-series', `SELECT usage_user FROM cpu WHERE time < '2016-01-01T00:02:00Z' GROUP BY hostname`, { params: { chunked: 'true', chunk_size: '1' } });
s('chunked-multi', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1}; SHOW DATABASES`, { params: { chunked: 'true' } });
s('chunked-error', 'SELECT mean(usage_user), usage_user FROM cpu', { params: { chunked: 'true' } });
s('csv-show-databases', 'SHOW DATABASES', { db: undefined, headers: { Accept: 'application/csv' } });
s('csv-raw', `SELECT usage_user, usage_idle, hostname FROM cpu WHERE ${MIN10} LIMIT 4`, { headers: { Accept: 'application/csv' } });
s('csv-group-by', `SELECT mean(usage_user) FROM cpu WHERE ${HOUR1} GROUP BY time(30m), hostname`, { headers: { Accept: 'application/csv' } });
s('csv-strings', 'SELECT status, readonly FROM disk WHERE time < \'2016-01-01T00:30:00Z\'', { headers: { Accept: 'application/csv' } });
s('csv-error', 'SELECT * FROM cpu', { db: 'no_such_db', headers: { Accept: 'application/csv' } });
s('csv-epoch', `SELECT usage_user FROM cpu WHERE ${HOST0} AND ${MIN10}`, { epoch: 's', headers: { Accept: 'application/csv' } });
s('pretty', 'SHOW RETENTION POLICIES ON compat', { db: undefined, params: { pretty: 'true' } });
s('post-form-select', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1}`, { method: 'POST', form: true });
s('post-url-select', `SELECT count(usage_user) FROM cpu WHERE ${HOUR1}`, { method: 'POST' });

// --- Deletes, last: they change the data set, and no statement after them reads it ---------------
group = 'del';
const DEL = { method: 'POST' };
s('range-and-tag', "DELETE FROM weather WHERE location = 'us-midwest' AND time < '2016-01-01T00:10:00Z'", DEL);
s('range-and-tag-select', 'SELECT * FROM weather');
s('range-and-tag-series', 'SHOW SERIES FROM weather');
s('series-missing-tag', "DROP SERIES FROM weather WHERE location = ''", DEL);
s('series-missing-tag-series', 'SHOW SERIES FROM weather');
s('series-missing-tag-values', 'SHOW TAG VALUES FROM weather WITH KEY = station');
// Every point of station s2 is in the range: the series goes as a whole.
s('range-empties-series', "DELETE FROM weather WHERE station = 's2' AND time <= '2016-01-01T00:31:00Z'", DEL);
s('range-empties-series-series', 'SHOW SERIES FROM weather');
s('range-empties-series-select', 'SELECT temperature, station FROM weather');
// The later shard groups of cpu lose all their points, and with them their series.
s('later-groups', "DELETE FROM cpu WHERE time >= '2016-01-07T00:00:00Z'", DEL);
s('later-groups-cardinality', 'SHOW SERIES EXACT CARDINALITY FROM cpu');
s('later-groups-count', 'SELECT count(usage_user) FROM cpu');
s('later-groups-shard-series', "SELECT count(usage_user) FROM cpu WHERE time >= '2016-01-07T00:00:00Z' GROUP BY hostname");
s('regex-sources', "DELETE FROM /^(mem|disk)$/ WHERE host = 'host_0' AND time > '2016-01-01T00:20:00Z'", DEL);
s('regex-sources-mem', 'SELECT count(total) FROM mem GROUP BY host');
s('regex-sources-disk', 'SELECT count(inodes_used), last(status) FROM disk GROUP BY path');
// Only host_2 has the field extreme: InfluxDB still lists it afterwards, Shoal does not.
s('last-series-of-field', "DROP SERIES FROM mem WHERE host = 'host_2'", DEL);
s('last-series-of-field-keys', 'SHOW FIELD KEYS FROM mem');
s('last-series-of-field-select', "SELECT * FROM mem WHERE time < '2016-01-01T00:05:00Z'");
s('other-policy', "DROP SERIES FROM net WHERE iface = 'eth1'", DEL);
s('other-policy-series', 'SHOW SERIES FROM net');
s('other-policy-select', 'SELECT count(bytes_recv) FROM hourly.net GROUP BY host');
s('drop-series-time', "DROP SERIES FROM cpu WHERE time > '2016-01-01T00:00:00Z'", DEL);
s('get-warns', "DELETE FROM weather WHERE station = 's4'");
s('get-warns-series', 'SHOW SERIES FROM weather');
s('no-db', 'DROP SERIES FROM cpu', { ...DEL, db: undefined });
s('unknown-db', 'DELETE FROM cpu', { ...DEL, db: 'no_such_db' });
s('measurement', 'DROP MEASUREMENT "h2o.level"', DEL);
s('measurement-measurements', 'SHOW MEASUREMENTS');
s('measurement-field-keys', 'SHOW FIELD KEYS FROM "h2o.level"');
s('measurement-select', 'SELECT * FROM "h2o.level"');
s('measurement-tag-keys', 'SHOW TAG KEYS FROM "h2o.level"');
s('measurement-unknown', 'DROP MEASUREMENT no_such_measurement', DEL);
s('measurement-odd-name', 'DROP MEASUREMENT "cpu load"', DEL);
s('measurement-odd-name-measurements', 'SHOW MEASUREMENTS WITH MEASUREMENT =~ /load/');
// No FROM: every measurement of the database, every policy.
s('all-measurements', "DROP SERIES WHERE hostname = 'ops_a'", { ...DEL, db: 'ops' });
s('all-measurements-series', 'SHOW SERIES', { db: 'ops' });
s('all-measurements-measurements', 'SHOW MEASUREMENTS', { db: 'ops' });
s('time-only', "DELETE WHERE time < '2016-01-01T00:01:00Z'", { ...DEL, db: 'ops' });
s('time-only-select', 'SELECT * FROM weekly.cpu, autogen.cpu, autogen.weather', { db: 'ops' });
s('time-only-series', 'SHOW SERIES', { db: 'ops' });
// DROP SHARD: the second week of compat's default policy (its cpu points from 2016-01-04 on) goes,
// and its group with it; an unknown id is no error.
s('shard-unknown', 'DROP SHARD 999999', DEL);
s('shard', 'DROP SHARD 2', DEL);
s('shard-groups', 'SHOW SHARD GROUPS', { db: undefined });
s('shard-count', "SELECT count(usage_user) FROM cpu WHERE time < '2016-01-18T00:00:00Z' GROUP BY time(7d)");
s('shard-measurements', 'SHOW MEASUREMENTS');

export const STATEMENTS = list.splice(0);

// --- What the /write cases stored: run after WRITE_CASES (dataset.mjs), against database writes.
group = 'wcheck';
s('measurements', 'SHOW MEASUREMENTS', { db: 'writes' });
s('field-keys', 'SHOW FIELD KEYS', { db: 'writes' });
s('series', 'SHOW SERIES', { db: 'writes' });
s('precisions', 'SELECT * FROM prec', { db: 'writes', epoch: 'ns' });
s('partial-parse-kept-good-lines', 'SELECT * FROM good', { db: 'writes' });
s('type-conflicts', 'SELECT * FROM typed', { db: 'writes' });
s('type-conflict-in-batch', 'SELECT * FROM newm', { db: 'writes' });
s('field-named-time', 'SELECT * FROM timefield', { db: 'writes' });
s('ok-and-gzip', 'SELECT * FROM ok, gz', { db: 'writes' });
s('beyond-retention-partial', 'SELECT * FROM writes.tiny.old', { db: undefined, epoch: 'ns' });

/** Statements that read what WRITE_CASES stored; they run after the write cases. */
export const WRITE_CHECK_STATEMENTS = list.splice(0);

// Guard against mistakes in this file: ids must be unique and usable as file names.
const seen = new Set();
for (const st of [...STATEMENTS, ...WRITE_CHECK_STATEMENTS]) {
  if (!/^[a-z0-9-]+$/.test(st.id)) throw new Error(`statement id not file-safe: ${st.id}`);
  if (seen.has(st.id)) throw new Error(`duplicate statement id: ${st.id}`);
  seen.add(st.id);
}
