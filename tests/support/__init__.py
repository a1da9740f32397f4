"""What the tests share: services, factories, clients, hostile input."""
