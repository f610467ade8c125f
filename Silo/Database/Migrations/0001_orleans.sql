-- Orleans' own tables for the ADO.NET providers (membership, grain state, reminders) and the named queries
-- the providers load from OrleansQuery at start. Written for this project from the providers' query contract:
-- every query binds the parameters the provider sets (@Name) and returns the columns it reads back.
-- Parameters are cast explicitly so PostgreSQL never has to guess a type for a NULL.

CREATE TABLE OrleansQuery (
  QueryKey  varchar(64) PRIMARY KEY,
  QueryText text NOT NULL);

-- ---------------------------------------------------------------- membership (clustering)
-- One version row per cluster (deployment); every membership change bumps it (optimistic concurrency).
CREATE TABLE orleans_membership_version (
  deployment_id text PRIMARY KEY,
  version       integer NOT NULL DEFAULT 0,
  changed_at    timestamptz NOT NULL DEFAULT now());

CREATE TABLE orleans_membership (
  deployment_id   text NOT NULL REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
  address         text NOT NULL,
  port            integer NOT NULL,
  generation      integer NOT NULL,
  silo_name       text NOT NULL,
  host_name       text NOT NULL,
  status          integer NOT NULL,
  proxy_port      integer,
  suspect_times   text,
  start_time      timestamptz NOT NULL,
  i_am_alive_time timestamptz NOT NULL,
  PRIMARY KEY (deployment_id, address, port, generation));

-- ---------------------------------------------------------------- grain state (persistence)
-- The natural key is (service, grain type, grain id); the hashes are kept for diagnostics and sharding.
CREATE TABLE orleans_grain_state (
  service_id       text NOT NULL,
  grain_type       text NOT NULL,
  grain_id_n0      bigint NOT NULL,
  grain_id_n1      bigint NOT NULL,
  grain_id_ext     text NOT NULL DEFAULT '',
  grain_id_hash    integer NOT NULL,
  grain_type_hash  integer NOT NULL,
  payload          bytea,
  version          integer NOT NULL,
  modified_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_ext));

-- ---------------------------------------------------------------- reminders
CREATE TABLE orleans_reminders (
  service_id    text NOT NULL,
  grain_id      text NOT NULL,
  reminder_name text NOT NULL,
  start_time    timestamptz NOT NULL,
  period        bigint NOT NULL,
  grain_hash    integer NOT NULL,
  version       integer NOT NULL,
  PRIMARY KEY (service_id, grain_id, reminder_name));
CREATE INDEX orleans_reminders_hash ON orleans_reminders (service_id, grain_hash);

-- ---------------------------------------------------------------- queries
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Creates the cluster's version row once; answers whether this call created it.
('InsertMembershipVersionKey', $q$
WITH ins AS (
  INSERT INTO orleans_membership_version (deployment_id) VALUES (@DeploymentId::text)
  ON CONFLICT DO NOTHING RETURNING 1)
SELECT EXISTS (SELECT 1 FROM ins) AS "Inserted";
$q$),

-- All silos of a cluster, with the table version on every row (one row with NULL silo columns when empty).
('MembershipReadAllKey', $q$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId::text;
$q$),

-- One silo, with the table version (NULL silo columns when the silo is unknown).
('MembershipReadRowKey', $q$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
  AND m.address = @Address::text AND m.port = @Port::integer AND m.generation = @Generation::integer
WHERE v.deployment_id = @DeploymentId::text;
$q$),

-- Adds a silo only when the caller saw the current table version; bumps the version in the same statement.
('InsertMembershipKey', $q$
WITH v AS (
  UPDATE orleans_membership_version SET version = version + 1, changed_at = now()
  WHERE deployment_id = @DeploymentId::text AND version = @Version::integer
    AND NOT EXISTS (SELECT 1 FROM orleans_membership
                    WHERE deployment_id = @DeploymentId::text AND address = @Address::text
                      AND port = @Port::integer AND generation = @Generation::integer)
  RETURNING deployment_id),
ins AS (
  INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name, status,
                                  proxy_port, start_time, i_am_alive_time)
  SELECT v.deployment_id, @Address::text, @Port::integer, @Generation::integer, @SiloName::text, @HostName::text,
         @Status::integer, @ProxyPort::integer, @StartTime::timestamptz, @IAmAliveTime::timestamptz
  FROM v
  RETURNING 1)
SELECT EXISTS (SELECT 1 FROM ins) AS "Inserted";
$q$),

-- Changes a silo's status and suspicions only when the caller saw the current table version.
('UpdateMembershipKey', $q$
WITH v AS (
  UPDATE orleans_membership_version SET version = version + 1, changed_at = now()
  WHERE deployment_id = @DeploymentId::text AND version = @Version::integer
    AND EXISTS (SELECT 1 FROM orleans_membership
                WHERE deployment_id = @DeploymentId::text AND address = @Address::text
                  AND port = @Port::integer AND generation = @Generation::integer)
  RETURNING deployment_id),
upd AS (
  UPDATE orleans_membership m
  SET status = @Status::integer, suspect_times = @SuspectTimes::text, i_am_alive_time = @IAmAliveTime::timestamptz
  FROM v
  WHERE m.deployment_id = v.deployment_id AND m.address = @Address::text
    AND m.port = @Port::integer AND m.generation = @Generation::integer
  RETURNING 1)
SELECT EXISTS (SELECT 1 FROM upd) AS "Updated";
$q$),

-- Heartbeat: no version change.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership SET i_am_alive_time = @IAmAliveTime::timestamptz
WHERE deployment_id = @DeploymentId::text AND address = @Address::text
  AND port = @Port::integer AND generation = @Generation::integer;
$q$),

-- Gateways clients may connect to: silos in the given status that have a gateway port.
('GatewaysQueryKey', $q$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM orleans_membership
WHERE deployment_id = @DeploymentId::text AND status = @Status::integer AND proxy_port > 0;
$q$),

('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership WHERE deployment_id = @DeploymentId::text;
DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId::text;
$q$),

-- Removes dead silos (status 6) whose last heartbeat is older than the cut-off.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId::text AND status = 6 AND i_am_alive_time < @IAmAliveTime::timestamptz;
$q$),

-- Removes one dead silo that the provider already judged defunct.
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId::text AND address = @Address::text
  AND port = @Port::integer AND generation = @Generation::integer AND status = 6;
$q$),

-- Grain state. Version is the ETag: NULL before the first write, then 1, 2, ...
('ReadFromStorageKey', $q$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM orleans_grain_state
WHERE service_id = @ServiceId::text AND grain_type = @GrainTypeString::text
  AND grain_id_n0 = @GrainIdN0::bigint AND grain_id_n1 = @GrainIdN1::bigint
  AND grain_id_ext = COALESCE(@GrainIdExtensionString::text, '');
$q$),

-- Writes only when the caller's ETag is the stored version (or both are absent); returns the new version,
-- or NULL when the ETag was stale, which the provider turns into an InconsistentStateException.
('WriteToStorageKey', $q$
WITH upd AS (
  UPDATE orleans_grain_state
  SET payload = @PayloadBinary::bytea, version = version + 1, modified_at = now()
  WHERE @GrainStateVersion::integer IS NOT NULL
    AND service_id = @ServiceId::text AND grain_type = @GrainTypeString::text
    AND grain_id_n0 = @GrainIdN0::bigint AND grain_id_n1 = @GrainIdN1::bigint
    AND grain_id_ext = COALESCE(@GrainIdExtensionString::text, '')
    AND version = @GrainStateVersion::integer
  RETURNING version),
ins AS (
  INSERT INTO orleans_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_ext,
                                   grain_id_hash, grain_type_hash, payload, version)
  SELECT @ServiceId::text, @GrainTypeString::text, @GrainIdN0::bigint, @GrainIdN1::bigint,
         COALESCE(@GrainIdExtensionString::text, ''), @GrainIdHash::integer, @GrainTypeHash::integer,
         @PayloadBinary::bytea, 1
  WHERE @GrainStateVersion::integer IS NULL
  ON CONFLICT DO NOTHING
  RETURNING version)
SELECT (SELECT version FROM upd UNION ALL SELECT version FROM ins LIMIT 1) AS "NewGrainStateVersion";
$q$),

-- Clears the payload (keeps the row so the version keeps counting); same ETag rule as the write.
('ClearStorageKey', $q$
WITH upd AS (
  UPDATE orleans_grain_state
  SET payload = NULL, version = version + 1, modified_at = now()
  WHERE @GrainStateVersion::integer IS NOT NULL
    AND service_id = @ServiceId::text AND grain_type = @GrainTypeString::text
    AND grain_id_n0 = @GrainIdN0::bigint AND grain_id_n1 = @GrainIdN1::bigint
    AND grain_id_ext = COALESCE(@GrainIdExtensionString::text, '')
    AND version = @GrainStateVersion::integer
  RETURNING version),
ins AS (
  INSERT INTO orleans_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_ext,
                                   grain_id_hash, grain_type_hash, payload, version)
  SELECT @ServiceId::text, @GrainTypeString::text, @GrainIdN0::bigint, @GrainIdN1::bigint,
         COALESCE(@GrainIdExtensionString::text, ''), @GrainIdHash::integer, @GrainTypeHash::integer, NULL, 1
  WHERE @GrainStateVersion::integer IS NULL
  ON CONFLICT DO NOTHING
  RETURNING version)
SELECT (SELECT version FROM upd UNION ALL SELECT version FROM ins LIMIT 1) AS "NewGrainStateVersion";
$q$),

-- Reminders. Version is the reminder's ETag.
('ReadReminderRowsKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId::text AND grain_id = @GrainId::text;
$q$),

('ReadReminderRowKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId::text AND grain_id = @GrainId::text AND reminder_name = @ReminderName::text;
$q$),

-- Hash range (begin, end] that does not wrap around.
('ReadRangeRows1Key', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId::text AND grain_hash > @BeginHash::integer AND grain_hash <= @EndHash::integer;
$q$),

-- Hash range that wraps around the end of the ring.
('ReadRangeRows2Key', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId::text AND (grain_hash > @BeginHash::integer OR grain_hash <= @EndHash::integer);
$q$),

('UpsertReminderRowKey', $q$
INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
VALUES (@ServiceId::text, @GrainId::text, @ReminderName::text, @StartTime::timestamptz, @Period::bigint,
        @GrainHash::integer, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
SET start_time = EXCLUDED.start_time, period = EXCLUDED.period, grain_hash = EXCLUDED.grain_hash,
    version = orleans_reminders.version + 1
RETURNING version AS "Version";
$q$),

('DeleteReminderRowKey', $q$
WITH del AS (
  DELETE FROM orleans_reminders
  WHERE service_id = @ServiceId::text AND grain_id = @GrainId::text AND reminder_name = @ReminderName::text
    AND version = @Version::integer
  RETURNING 1)
SELECT EXISTS (SELECT 1 FROM del) AS "Deleted";
$q$),

('DeleteReminderRowsKey', $q$
DELETE FROM orleans_reminders WHERE service_id = @ServiceId::text;
$q$);
