"""Developer tools beside the service: the load generator and the loopback server it drives."""
