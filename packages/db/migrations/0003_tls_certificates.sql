CREATE TABLE "tls_certificates" (
	"name" text PRIMARY KEY NOT NULL,
	"ca_cert" text NOT NULL,
	"ca_key_encrypted" text NOT NULL,
	"cert" text NOT NULL,
	"key_encrypted" text NOT NULL,
	"fingerprint" text NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
