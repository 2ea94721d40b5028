"""Running Parlor in production: health checks, metrics, logs and the proxy configuration."""
