DROP INDEX group_sends_completed;
DROP INDEX deliveries_completed;
