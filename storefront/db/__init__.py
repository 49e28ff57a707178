"""Infrastructure: SQLAlchemy models, Alembic migrations, set-up and seeding."""
