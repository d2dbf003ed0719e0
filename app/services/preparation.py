"""Which plan cities are prepared, and preparing one from the map as ``fplan demo --city`` does.

A preparation runs :func:`app.services.demo.prepare_city` (reference data, a network, the
population surface, facilities: each step skipped when done) and then stores the city's
compliance run, so the map opens the city at once. It runs in the background on the compute
pool (:class:`app.runtime.jobs.BackgroundJobs`); a poll reads its step.
"""

from sqlalchemy.orm import Session

from app.errors import AppError, ConflictError
from app.runtime.jobs import BackgroundJobs, Job, Progress
from app.schemas.city import CityList, CityPublic, PrepareJobPublic
from app.services import demo, inputs
from app.services.compliance import run_compliance
from app.services.norms import NormCatalogues, get_catalogue
from app.settings import Settings
from geo import messages
from geo.messages import Lang

JOB_KIND = "prepare"
# the steps of a preparation, as message keys (demo.prepare_city reports the first five; the
# real roads only where the data folder holds a city's road layer)
STEPS = (
    demo.STEP_REFERENCE,
    demo.STEP_NETWORK,
    demo.STEP_REAL_ROADS,
    demo.STEP_POPULATION,
    demo.STEP_FACILITIES,
    "prepare.step.compliance",
)


def prepare_command(city_adcode: str) -> str:
    """The command that prepares ``city_adcode`` on the server."""
    return f"fplan demo --city {city_adcode}"


def is_prepared(session: Session, city_adcode: str) -> bool:
    """Whether the city has a network, population cells and facilities."""
    try:
        inputs.require_prepared(session, city_adcode)
    except AppError:
        session.rollback()
        return False
    return True


def job_public(job: Job, lang: Lang) -> PrepareJobPublic:
    """A preparation job in the reader's language."""
    return PrepareJobPublic(
        id=job.id,
        city=job.key,
        state=job.state,
        step=job.step,
        step_text=None if job.step is None else messages.text(job.step, lang),
        steps_done=job.steps_done,
        steps_total=len(job.steps),
        message=None if job.error is None else job.error.localized(lang),
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def list_cities(
    session: Session, norms: NormCatalogues, jobs: BackgroundJobs, lang: Lang, *, admin: bool
) -> CityList:
    """Every city with a plan, whether it is prepared, and its preparation running here."""
    cities = []
    for catalogue in sorted(norms.catalogues, key=lambda c: c.city_adcode):
        code = catalogue.city_adcode
        job = jobs.running(JOB_KIND, code) or _last_job(jobs, code)
        cities.append(
            CityPublic(
                adcode=code,
                name_zh=catalogue.city_name_zh,
                name_en=catalogue.city_name_en,
                prepared=is_prepared(session, code),
                prepare_command=prepare_command(code),
                job=None if job is None else job_public(job, lang),
            )
        )
    return CityList(cities=cities, can_prepare=admin)


def _last_job(jobs: BackgroundJobs, city_adcode: str) -> Job | None:
    try:
        return jobs.get(JOB_KIND, city_adcode)
    except AppError:
        return None


def start_preparation(
    session: Session,
    settings: Settings,
    norms: NormCatalogues,
    jobs: BackgroundJobs,
    city_adcode: str,
    *,
    nodes: int | None = None,
    client: str | None = None,
) -> Job:
    """Start preparing a plan's city in the background; the job is returned at once.

    Raises
    ------
    NotFoundError
        No plan for the city.
    ConflictError
        The city is prepared already, or its preparation is running.
    ComputationBusyError, TooManyComputationsError
        No long compute slot is free.
    """
    get_catalogue(norms, city_adcode)
    running = jobs.running(JOB_KIND, city_adcode)
    if running is None and is_prepared(session, city_adcode):
        raise ConflictError.worded("prepare.already", field="adcode", city=city_adcode)
    # the request's session is not the job's: end its transaction before the job writes
    session.rollback()

    def work(job_session: Session, progress: Progress) -> None:
        demo.prepare_city(job_session, settings, city_adcode, target_nodes=nodes, progress=progress)
        progress("prepare.step.compliance")
        run_compliance(job_session, settings, city_adcode, norms=norms)
        job_session.commit()

    # the real-road step only where the data folder holds the city's road layer
    real_roads = demo.real_road_file(settings, city_adcode) is not None
    steps = tuple(s for s in STEPS if s != demo.STEP_REAL_ROADS or real_roads)
    return jobs.start(JOB_KIND, city_adcode, work, steps=steps, client=client)


def preparation(jobs: BackgroundJobs, city_adcode: str) -> Job:
    """The city's preparation running or last run in this process (404 when none)."""
    return jobs.get(JOB_KIND, city_adcode)
