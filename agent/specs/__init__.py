"""OpenAPI documents: fetch, parse, bundle, convert (Swagger 2.0), validate, and read."""
