"""Read-model repositories return plain dataclasses; write-model ones never commit."""
