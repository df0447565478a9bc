-- Every change to a key (revocation, deletion with its tenant) is announced on the channel
-- api_key_changes with the key's hash in hex, after commit. The api keeps a cache of keys it
-- has verified and drops a key the moment this arrives (services/api/src/api-key-cache.ts).
CREATE FUNCTION "notify_api_key_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('api_key_changes', encode(OLD.key_hash, 'hex'));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "api_keys_notify_change" AFTER UPDATE OR DELETE ON "api_keys"
  FOR EACH ROW EXECUTE FUNCTION "notify_api_key_change"();
