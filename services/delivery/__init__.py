"""Change events onward: CloudEvents envelopes, the outbox relay, webhooks, the Redis stream, owner requests."""
