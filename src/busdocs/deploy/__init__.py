"""Deploy to S3 and CloudFront: `plan` is pure (scan → diff → plan, every upload with its reason);
`aws` applies it with boto3 (the only module that imports boto3): lock, uploads, deletes,
invalidations, release records and rollback."""
