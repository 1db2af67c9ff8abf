"""Public verification: pages, JSON API, bulk checks, published keys and status lists. No sign-in."""

import csv
import io

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for

from ..clock import utcnow
from ..extensions import csrf, db, limiter
from ..formats import SafeCsv, csv_response
from . import credentials, keys
from .api import status_entries
from .forms import BulkForm
from .issue import issuer_settings, public_base
from .models import SigningKey
from .verification import MAX_BULK, bulk, count_by_status, find, public_record

bp = Blueprint("verify", __name__, url_prefix="/verify")
#: the JSON API, for certifying bodies' own systems
api = Blueprint("certificates_api", __name__, url_prefix="/api/v1/certificates")
#: the issuer's published addresses: they are written into every signed credential, so they never move
issuer_bp = Blueprint("issuer", __name__)
#: public, read-only data that verifiers' own web pages may fetch
CORS_ENDPOINTS = {
    "certificates_api.api_certificate",
    "certificates_api.api_credential",
    "certificates_api.api_bulk",
    "issuer.jwks",
    "issuer.public_key",
    "issuer.issuer",
    "issuer.status_list",
}


@bp.after_app_request
def _cors(response):
    if request.endpoint in CORS_ENDPOINTS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Expose-Headers"] = (
            "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
        )
    return response


#: one allowance per client across every way of looking a certificate up
verify_limit = limiter.limit("VERIFY_RATE_LIMIT", scope="verify")


@bp.route("")
@verify_limit
def verify_form():
    raw = request.args.get("id")
    if raw is None:
        return render_template("verify/form.html", error=None, value="")
    cert, cid, problem = find(raw)
    if cert is not None:
        return redirect(url_for(".verify_page", cert_id=cid))
    return render_template("verify/form.html", error=problem, value=raw), 404 if cid else 400


@bp.route("/<cert_id>")
@verify_limit
def verify_page(cert_id: str):
    cert, cid, problem = find(cert_id, read_only=True)
    if cert is None:
        return render_template("verify/form.html", error=problem, value=cert_id), 404 if cid else 400
    if cid != cert_id:
        return redirect(url_for(".verify_page", cert_id=cid))
    record = public_record(cert)
    replacement = None
    if record.get("replaced_by"):
        successor, _, _ = find(record["replaced_by"], read_only=True)
        replacement = public_record(successor) if successor is not None else None
    return render_template("verify/result.html", record=record, replacement=replacement, checked_at=utcnow())


def _api_lookup(cert_id: str, read_only: bool = False):
    """(certificate, None) or (None, a JSON error: 400 for a mistyped ID, 404 for an unknown one)."""
    cert, cid, problem = find(cert_id, read_only)
    if cert is None:
        code = 404 if cid else 400
        return None, (jsonify(error=problem, code=code), code)
    return cert, None


@api.route("/<cert_id>")
@verify_limit
def api_certificate(cert_id: str):
    cert, error = _api_lookup(cert_id, read_only=True)
    return error or jsonify(public_record(cert))


@api.route("/<cert_id>/credential")
@verify_limit
def api_credential(cert_id: str):
    cert, error = _api_lookup(cert_id)
    return error or Response(cert.credential, mimetype="application/vc+jwt")


@api.route("/verify", methods=["POST"])
@csrf.exempt  # a JSON API without cookies: nothing for a forged cross-site request to ride on
@limiter.limit("BULK_VERIFY_RATE_LIMIT")
def api_bulk():
    payload = request.get_json(silent=True)
    ids = payload.get("ids") if isinstance(payload, dict) else payload
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return jsonify(error='Send JSON like {"ids": ["7KQ2-M9XD-4RTV-H3NB-C8WF", ...]}.', code=400), 400
    if len(ids) > MAX_BULK:
        return jsonify(error=f"At most {MAX_BULK} IDs per request.", code=413), 413
    return jsonify(results=bulk(ids), checked_at=utcnow().replace(microsecond=0).isoformat() + "Z")


@bp.route("/bulk", methods=["GET", "POST"])
@limiter.limit("BULK_VERIFY_RATE_LIMIT", methods=("POST",))
def bulk_page():
    form = BulkForm()
    if form.validate_on_submit():
        # The whole upload (MAX_CONTENT_LENGTH bounds it): a cut-off file would silently lose rows.
        text = form.file.data.read().decode("utf-8-sig", errors="replace")
        try:
            ids = _ids_in(text)
        except csv.Error:  # a field over the csv module's limit (128 KiB): no certificate ID is that long
            form.file.errors.append(
                "A value in this file is too long to be a certificate ID (or the file is not CSV). List one ID per row."
            )
        else:
            if not ids or len(ids) > MAX_BULK:
                form.file.errors.append(
                    f"The file lists {len(ids)} IDs; it must list between 1 and {MAX_BULK}, one per "
                    "row. Split a longer list into several files."
                )
            elif request.form.get("action") == "show":
                rows = bulk(ids)
                return render_template(
                    "verify/bulk.html",
                    form=BulkForm(formdata=None),
                    rows=rows,
                    counts=count_by_status(rows),
                    checked_at=utcnow(),
                )
            else:  # "Download results only", and scripts that post the form without choosing
                return _csv_response(bulk(ids))
    return render_template("verify/bulk.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/bulk.csv", methods=["POST"])
@limiter.limit("BULK_VERIFY_RATE_LIMIT")
def bulk_csv():
    """The results shown on screen, as a CSV file: the page posts back the IDs it checked (CSRF-checked)."""
    ids = [i.strip() for i in request.form.getlist("id") if i.strip()]
    if not ids or len(ids) > MAX_BULK:
        form = BulkForm(formdata=None)
        form.file.errors = [f"Upload between 1 and {MAX_BULK} IDs, one per row."]
        return render_template("verify/bulk.html", form=form), 422
    return _csv_response(bulk(ids))


@bp.route("/guide")
def guide():
    """Part 1 of the verification guide in short: what each answer means and what to do next."""
    return render_template("verify/guide.html", max_bulk=MAX_BULK)


def _ids_in(text: str) -> list[str]:
    """The first cell of each non-empty row, without a header row; csv.Error if the file cannot be read."""
    ids = [row[0].strip() for row in csv.reader(io.StringIO(text)) if row and row[0].strip()]
    if ids and ids[0].lower() in ("id", "certificate id", "certificate_id", "certificate"):
        ids = ids[1:]
    return ids


def _csv_response(rows: list[dict]) -> Response:
    writer = SafeCsv()
    writer.writerow(["query", "id", "status", "holder", "course", "hours", "issued", "expires", "replaced_by", "note"])
    for row in rows:
        writer.writerow(
            [
                row["query"],
                row["id"],
                row["status"],
                row.get("holder"),
                row.get("course"),
                f"{row['hours']['total']:g}" if "hours" in row else "",
                row.get("issued", ""),
                row.get("expires") or "",
                row.get("replaced_by", ""),
                row["status_text"],
            ]
        )
    return csv_response(writer, "verification.csv")


@issuer_bp.route("/.well-known/jwks.json")
def jwks():
    base = public_base()
    published = [dict(jwk, kid=f"{base}/keys/{jwk['kid']}") for jwk in keys.published_keys()]
    return _cacheable(jsonify(keys=published))


@issuer_bp.route("/keys/<kid>")
def public_key(kid: str):
    key = db.session.get(SigningKey, kid)
    if key is None:
        return jsonify(error="No such key.", code=404), 404
    return _cacheable(jsonify(dict(key.public_jwk, kid=f"{public_base()}/keys/{kid}")))


@issuer_bp.route("/issuer")
def issuer():
    return jsonify(credentials.issuer_profile(issuer_settings(), public_base()))


@issuer_bp.route("/status/<purpose>")
@verify_limit
def status_list(purpose: str):
    """The signed Bitstring Status List: revocation, suspension, or the status messages (two bits each)."""
    if purpose not in credentials.PURPOSES:
        return jsonify(error="No such status list.", code=404), 404
    indexes = status_entries(purpose)
    base = public_base()
    body = credentials.status_list_credential(purpose, indexes, base, issuer_settings(), utcnow())
    key = keys.active_key()
    token = keys.sign(credentials.jwt_claims(body), key, f"{base}/keys/{key.kid}")
    response = Response(token, mimetype="application/vc+jwt")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _cacheable(response: Response) -> Response:
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
