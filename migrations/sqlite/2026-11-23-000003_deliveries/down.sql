DROP TABLE integration_health;
DROP TABLE idempotency_keys;
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
