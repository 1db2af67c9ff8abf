"""HTTP throughput under gunicorn on loopback, each as a ratio to a bare Flask endpoint in the same run.

    python bench/throughput.py [--seconds 5] [--rounds 3] [--workers 2] [--only lesson,step]

Uses wrk (apt-get install -y wrk) for GET endpoints, and a Python client for role-play steps, where
every request must answer the next scene. Also reports content load time for a generated 40-module
course and each worker's peak memory after issuing certificates.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

TARGETS = {"lesson page (signed in)": 0.35, "verification JSON": 0.50, "role-play step (a write)": 0.20}


#: wrk and the Python client send the same User-Agent, so a session cookie taken from one is "the same
#: browser" to the other (as a real browser's is)
USER_AGENT = "lms-bench/1"


def wrk(
    url: str,
    seconds: int,
    cookie: str | None = None,
    script: Path | None = None,
    connections: int = 8,
    threads: int = 2,
) -> tuple[float, float]:
    """Requests per second, and the run's duration in seconds."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-H",
        f"User-Agent: {USER_AGENT}",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} failed responses\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    duration = re.search(r"requests in ([\d.]+)(ms|s|m)", output)
    elapsed = float(duration.group(1)) * {"ms": 0.001, "s": 1, "m": 60}[duration.group(2)]
    return rate, elapsed


def gunicorn(app_spec: str, port: int, workers: int, env: dict, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}", app_spec],
        cwd=ROOT / ("bench" if app_spec.startswith("bare") else "."),
        env=env,
        stdout=open(log, "w"),
        stderr=subprocess.STDOUT,
    )
    import urllib.request

    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(log.read_text()[-2000:])


#: Each wrk thread has one connection and is one trainee, answering scene after scene of a 200-scene
#: role-play and starting a new attempt at the end; every POST records a step (wrk does not follow the
#: redirect to the next scene). The rate is counted in the database afterwards, not from wrk's requests.
STEPS_LUA = """
local trainees = {%s}
local intro = "/courses/bench/long/roleplay/steps/"
local threads, n = {}, 0
function setup(thread)
  n = n + 1
  thread:set("index", n)
  table.insert(threads, thread)
end
function init(args)
  local t = trainees[index]
  cookie, token, attempt, position = t[1], t[2], t[3], t[4]
end
local function form(body, path)
  return wrk.format("POST", path, {["Cookie"] = cookie, ["User-Agent"] = "%s",
    ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
function request()
  if attempt == nil then
    return form("csrf_token=" .. token, intro .. "start")
  end
  return form("csrf_token=" .. token .. "&position=" .. position .. "&scene=s" .. position .. "&choice=0",
              "/attempts/" .. attempt .. "/answer")
end
function response(status, headers, body)
  if attempt == nil then
    attempt = string.match(headers["Location"] or "", "/attempts/(%%d+)/play")
  else
    position = position + 1
    if position == 200 then attempt, position = nil, 0 end
  end
end
"""


def role_play_steps(base: str, trainees: list, seconds: int, workdir: Path, count_steps) -> float:
    """Role-play steps recorded per second: wrk POSTs answers, the database counts what was recorded."""
    rows = []
    intro = "/courses/bench/long/roleplay/steps/"
    for browser in trainees:
        token = browser.token(intro)
        status, _, play = browser.request(intro + "start", {"csrf_token": token})  # a new attempt or the open one
        assert status == 302, status
        position = re.search(r'name="position" type="hidden" value="(\d+)"', browser.get(play)[1]).group(1)
        rows.append(f'{{"{browser.cookie()}", "{token}", "{play.split("/")[-2]}", {position}}}')
    script = workdir / "steps.lua"
    script.write_text(STEPS_LUA % (", ".join(rows), USER_AGENT))
    before = count_steps()
    _, elapsed = wrk(base + "/", seconds, script=script, connections=len(trainees), threads=len(trainees))
    return (count_steps() - before) / elapsed


def bench_content(workdir: Path) -> Path:
    """The test content plus a long role-play (200 linear scenes) and a 40-module course."""
    content = workdir / "content"
    shutil.copytree(ROOT / "content", content)
    long = content / "modules/long"
    long.mkdir()
    (long / "index.md").write_text("---\ntitle: Long\n---\nA module for benchmarks.\n")
    scenes = "\n".join(f"## s{i}\nScene {i}.\n\n- Go on.\n  +1 validation\n- Stop here. -> end\n" for i in range(200))
    (long / "steps.quiz.md").write_text(f"---\ntitle: Steps\nmax_attempts: 0\n---\n{scenes}")
    (content / "courses/bench.md").write_text("---\ntitle: Bench\nmodules: [long]\n---\nBench.\n")
    return content


def forty_modules(workdir: Path) -> tuple[float, int]:
    from lms.content.loader import load_catalog
    from lms.content.markdown import _cache

    root = workdir / "forty"
    lesson = (ROOT / "content/modules/ethics/index.md").read_text()
    quiz = next((ROOT / "content/modules/ethics").glob("*.quiz.md")).read_text()
    for i in range(40):
        folder = root / "modules" / f"m{i:02d}"
        folder.mkdir(parents=True)
        (folder / "index.md").write_text(lesson.replace("# ", f"# {i} ", 1))
        (folder / "q.quiz.md").write_text(quiz.replace('title: "', f'title: "{i} ', 1))
    (root / "courses").mkdir()
    (root / "courses/big.md").write_text(
        "---\ntitle: Big\nmodules: [" + ", ".join(f"m{i:02d}" for i in range(40)) + "]\n---\n"
    )
    shutil.copy(ROOT / "content/competencies.yaml", root / "competencies.yaml")
    _cache.clear()
    start = time.perf_counter()
    catalog = load_catalog(root)
    return time.perf_counter() - start, len(catalog.modules)


def worker_rss(master: subprocess.Popen) -> list[int]:
    """Peak resident memory (VmHWM, MB) of each gunicorn worker."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024)
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--only", default="", help="comma-separated words: run only the endpoints whose names contain one"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")

    from helpers import PASSWORD
    from load_support import Browser, free_port

    workdir = Path(tempfile.mkdtemp(prefix="lms-http-bench-"))
    content = bench_content(workdir)
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3",
        "LMS_CONTENT_DIR": str(content),
        "SECRET_KEY": "b" * 48,
        "LMS_INSTANCE_PATH": str(workdir / "instance"),
        "LMS_LOGIN_RATE_LIMIT": "1000000 per minute",
        "LMS_VERIFY_RATE_LIMIT": "100000000 per minute",
        "LMS_SECURE_COOKIES": "0",
        "LMS_LOG_FORMAT": "text",
    }
    bare_port, app_port = free_port(), free_port()
    env["LMS_PUBLIC_URL"] = f"http://127.0.0.1:{app_port}"
    # Before the servers start: the schema, a trainee with a certificate, and trainees for role-play steps.
    from lms import create_app
    from lms.auth.operations import create_user
    from lms.extensions import db

    from certificate_helpers import pass_everything
    from helpers import post

    setup = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"),
            "SECRET_KEY": env["SECRET_KEY"],
            "CONTENT_DIR": str(content),
            "AUTO_MIGRATE": True,
            "PDF_WARM_UP": False,
            "LOG_FORMAT": "text",
            "PUBLIC_URL": env["LMS_PUBLIC_URL"],
            "RATELIMIT_ENABLED": False,
            "TRUSTED_HOSTS": ["localhost", "127.0.0.1"],
        }
    )
    with setup.app_context():
        trainee_id = create_user("bench@example.org", PASSWORD, "Bench", "Bench Person", privacy_accepted=True).id
        step_ids = [
            create_user(f"step{i}@example.org", PASSWORD, "S", "S", privacy_accepted=True).email for i in range(8)
        ]
        # A trainer's cohort of 30 trainees: the bench trainee (course complete) and 29 just starting.
        from datetime import date, timedelta

        from lms.auth.models import User
        from lms.cohorts.roster import add_member, create_cohort

        coach = create_user("coach@example.org", PASSWORD, "Coach", "Coach", role="trainer")
        cohort = create_cohort(
            "Bench cohort", "peer-specialist-core", date.today(), date.today() + timedelta(days=90), coach
        )
        add_member(cohort, db.session.get(User, trainee_id))
        for i in range(29):
            add_member(cohort, create_user(f"member{i}@example.org", PASSWORD, "M", "M"))
        # The course asks for live hours too: the bench trainee attended every one (one session per domain).
        from lms.cohorts.api import record_session
        from lms.content import catalog

        for domain, hours in catalog().course("peer-specialist-core").live.items():
            record_session(
                cohort, f"Live {domain}", date.today(), round(hours * 60), domain, [trainee_id], {trainee_id}, coach.id
            )
        db.session.commit()
        cohort_id = cohort.id
    client = setup.test_client()
    post(client, "/account/login", {"email": "bench@example.org", "password": PASSWORD})
    pass_everything(setup, client, trainee_id, course_slug="peer-specialist-core")
    claimed = post(
        client,
        "/courses/peer-specialist-core/certificate",
        {"holder_name": "Bench Person", "confirm": "y"},
        page="/courses/peer-specialist-core/certificate",
    )
    assert claimed.status_code == 302, claimed.get_data(as_text=True)[-2000:]
    with setup.app_context():
        from lms.certificates.models import Certificate

        cert_id = db.session.scalars(db.select(Certificate.id)).one()
        db.engine.dispose()
    bare = gunicorn("bare:app", bare_port, args.workers, env, workdir / "bare.log")
    app = gunicorn("lms:create_app()", app_port, args.workers, env, workdir / "app.log")
    base = f"http://127.0.0.1:{app_port}"
    try:
        trainee = Browser(base, USER_AGENT)
        trainee.login("bench@example.org", PASSWORD)
        trainee.get("/dashboard")  # as in a browser, the cookie now carries the session's CSRF token
        session_cookie = trainee.cookie()
        lesson = "/courses/peer-specialist-core/active-listening/"
        wanted = [w for w in args.only.split(",") if w]
        bare_rates, ratios = [], {}

        def run(name, measure):
            """Paired rounds: the bare endpoint, then this one, --rounds times; the ratio is the median
            of the rounds' ratios, so a slow minute on a shared machine affects both sides alike."""
            if wanted and not any(w in name for w in wanted):
                return
            rates, pair_ratios = [], []
            for _ in range(args.rounds):
                baseline = wrk(f"http://127.0.0.1:{bare_port}/", args.seconds)[0]
                rate = measure()
                bare_rates.append(baseline)
                rates.append(rate)
                pair_ratios.append(rate / baseline)
                print(f"  {name}: bare {baseline:.0f}, this {rate:.0f}, {rate / baseline:.0%}", file=sys.stderr)
            results[name] = statistics.median(rates)
            ratios[name] = statistics.median(pair_ratios)

        results = {}
        # Floors: the smallest page (a short template, no query of its own) anonymous and signed in. What a
        # signed-in page costs before it does anything: session, the signed-in user's read, the layout.
        run("support page (anonymous)", lambda: wrk(base + "/support", args.seconds)[0])
        run("support page (signed in)", lambda: wrk(base + "/support", args.seconds, session_cookie)[0])
        run("lesson page (signed in)", lambda: wrk(base + lesson, args.seconds, session_cookie)[0])
        # A lesson read in sections: a middle section, as Next and Continue open it.
        run(
            "lesson section page (signed in)",
            lambda: wrk(base + lesson + "?section=5", args.seconds, session_cookie)[0],
        )
        run("verification JSON", lambda: wrk(f"{base}/api/v1/certificates/{cert_id}", args.seconds)[0])
        run(
            "certificate download (signed in)",
            lambda: wrk(f"{base}/certificates/{cert_id}/certificate.pdf", args.seconds, session_cookie)[0],
        )

        def cohort_page():
            coach = Browser(base, USER_AGENT)
            coach.login("coach@example.org", PASSWORD)
            coach.get("/staff/")
            return wrk(f"{base}/staff/cohorts/{cohort_id}", args.seconds, coach.cookie())[0]

        run("trainer cohort page (30 trainees)", cohort_page)

        def steps():
            trainees = []
            for email in step_ids:
                browser = Browser(base, USER_AGENT)
                browser.login(email, PASSWORD)
                trainees.append(browser)
            return role_play_steps(base, trainees, args.seconds, workdir, count_steps)

        def count_steps() -> int:
            from lms.assessments.models import AttemptStep

            with setup.app_context():
                try:
                    return db.session.scalar(db.select(db.func.count()).select_from(AttemptStep))
                finally:
                    db.session.remove()
                    db.engine.dispose()

        run("role-play step (a write)", steps)
        seconds, modules = forty_modules(workdir)
        rss = worker_rss(app)
        results = {"bare Flask endpoint (baseline)": statistics.median(bare_rates), **results}
        ratios["bare Flask endpoint (baseline)"] = 1.0
        print(f"{args.rounds} paired rounds of {args.seconds} s each, medians:")
        print(f"{'endpoint':38} {'req/s':>9} {'ratio':>7}  target")
        for name, value in results.items():
            target = TARGETS.get(name)
            verdict = "" if target is None else (f">= {target:.0%}  " + ("OK" if ratios[name] >= target else "MISSED"))
            print(f"{name:38} {value:9.0f} {ratios[name]:7.0%}  {verdict}")
        print(f"content load, generated {modules}-module course: {seconds * 1000:.0f} ms (cold cache)")
        print(f"peak memory per worker: {', '.join(f'{m} MB' for m in rss)} (target <= 150 MB)")
        print(
            json.dumps(
                {"results": results, "ratios": ratios, "content_load_ms": round(seconds * 1000), "worker_rss_mb": rss}
            )
        )
    finally:
        for process in (bare, app):
            process.terminate()
            process.wait(timeout=15)


if __name__ == "__main__":
    main()
