"""Running the service: health, metrics, history retention."""
