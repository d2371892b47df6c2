DROP TABLE integrations;
DROP TABLE api_keys;
DROP TABLE organizations;
