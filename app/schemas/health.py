from pydantic import BaseModel, Field


class HealthPublic(BaseModel):
    status: str
    database: str
    postgis_version: str
    computations_running: int = Field(
        default=0, description="computations holding a slot now (timed-out ones included)"
    )
    computation_slots: int = Field(default=0, description="computations that may run at once")
