"""The API's request and response schemas (pydantic): they validate what comes in, shape what goes out,
and are the OpenAPI document's components."""
