"""Local stand-ins for remote platforms that speak the platform's real wire protocol."""
