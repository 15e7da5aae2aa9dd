"""The Celery application: broker, queues, routing and delivery guarantees."""
