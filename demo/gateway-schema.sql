-- The gateway tables as gorm's AutoMigrate creates them (elixxir-gateway storage/database.go).
-- Shared by the demo database (demo/postgres-init.sh), the Postgres tests (GatewayDatabase) and bench/postgres/run.sh.
CREATE TABLE clients (id bytea PRIMARY KEY, key bytea NOT NULL);
CREATE TABLE rounds (id bigint PRIMARY KEY, update_id bigint UNIQUE NOT NULL, info_blob bytea, last_updated timestamptz NOT NULL);
CREATE INDEX idx_rounds_last_updated ON rounds (last_updated);
CREATE TABLE client_rounds (id bigint PRIMARY KEY, timestamp timestamptz NOT NULL);
CREATE INDEX idx_client_rounds_timestamp ON client_rounds (timestamp);
CREATE TABLE mixed_messages (id bigserial PRIMARY KEY,
    round_id bigint NOT NULL REFERENCES client_rounds (id) ON DELETE CASCADE,
    recipient_id bigint NOT NULL, message_contents bytea NOT NULL);
CREATE INDEX idx_mixed_messages_round_id ON mixed_messages (round_id);
CREATE INDEX idx_mixed_messages_recipient_id ON mixed_messages (recipient_id);
CREATE TABLE client_bloom_filters (id bigserial PRIMARY KEY, recipient_id bigint NOT NULL, epoch int NOT NULL,
    first_round bigint NOT NULL, round_range int, filter bytea, uses int DEFAULT 0);
CREATE INDEX idx_client_bloom_filters_recipient_id_epoch ON client_bloom_filters (recipient_id, epoch);
CREATE INDEX idx_client_bloom_filters_first_round ON client_bloom_filters (first_round);
CREATE TABLE states (key text PRIMARY KEY, value text NOT NULL);
