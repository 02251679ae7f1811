"""The national trust store: the certificates shipped with the project (`vn/`, one manifest), how bundles are
read (`bundle`), and the store kept in the database that validation uses by default (`store`)."""
