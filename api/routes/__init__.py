"""One router per resource; handlers translate HTTP to service calls and back."""
