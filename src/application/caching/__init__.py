"""What a worker remembers between requests, and the notices that make it forget."""
