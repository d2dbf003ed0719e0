from pydantic import BaseModel


class HealthPublic(BaseModel):
    status: str
    database: str
    postgis_version: str
