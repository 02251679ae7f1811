"""Business rules of incoming documents, one module per concern (`registration`)."""
