-- Generated gateway data. psql variables (set by run.sh with -v): rounds, messages, filters, recipients.
-- Proportions follow a gateway that keeps a few days of rounds: per round one client_rounds and one rounds row
-- (~400-byte info_blob), a few mixed_messages (~500-byte message_contents, the bulk of the database) and
-- bloom filters for a set of recipients. Contents vary per row (md5) but size is what matters: values under
-- ~2 KB stay inline and uncompressed, like real ciphertexts.
\set ON_ERROR_STOP on
INSERT INTO client_rounds (id, timestamp)
    SELECT r, TIMESTAMPTZ '2026-11-01 00:00:00+00' + r * INTERVAL '5 seconds' FROM generate_series(1, :rounds) r;
INSERT INTO rounds (id, update_id, info_blob, last_updated)
    SELECT r, r, decode(repeat(md5(r::text), 25), 'hex'), TIMESTAMPTZ '2026-11-01 00:00:00+00' + r * INTERVAL '5 seconds'
    FROM generate_series(1, :rounds) r;
INSERT INTO mixed_messages (round_id, recipient_id, message_contents)
    SELECT 1 + (m % :rounds), (m::bigint * 7919) % :recipients, decode(repeat(md5(m::text), 31) || 'cdcdcdcd', 'hex')
    FROM generate_series(1, :messages) m;
INSERT INTO client_bloom_filters (recipient_id, epoch, first_round, round_range, filter)
    SELECT b % :recipients, b / :recipients, b, 10, decode(repeat(md5(b::text), 16), 'hex')
    FROM generate_series(1, :filters) b;
INSERT INTO clients (id, key)
    SELECT decode(md5('client' || c), 'hex'), decode(repeat(md5('key' || c), 2), 'hex') FROM generate_series(1, 100) c;
INSERT INTO states (key, value) VALUES ('Period', '1800000000000'), ('LastUpdateId', :'rounds');
