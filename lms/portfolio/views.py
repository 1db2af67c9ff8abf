"""The trainee's portfolio pages: pick a pathway, see progress, log experience and supervision, record outside
training, CE, the exam and the board certification. Every record is the trainee's own: anyone else gets 404."""

from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..certificates.issue import public_base
from ..cohorts import access
from ..content import catalog
from ..extensions import db
from . import supervision
from .evidence import MAX_BYTES, EvidenceRefused
from .forms import (
    CertificationForm,
    ChooseForm,
    ConfirmForm,
    ContinuingEducationForm,
    ExamForm,
    ExperienceForm,
    OutsideTrainingForm,
    SupervisionForm,
)
from .models import ContinuingEducation, Evidence, ExperienceEntry, OutsideTraining, SupervisionSession
from .operations import (
    Locked,
    PortfolioError,
    add_continuing_education,
    add_entry,
    add_outside_training,
    choose_pathway,
    chosen_slugs,
    delete_pending,
    drop_pathway,
    edit_pending,
    record_certification,
    record_exam,
    store_evidence,
)
from .progress import progress

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")
#: the upload pages take a 5 MB file plus the form around it; every other page keeps the app's smaller limit
UPLOAD_ENDPOINTS = {"portfolio.new_training", "portfolio.new_ce"}
UPLOAD_LIMIT = MAX_BYTES + 64 * 1024
#: entry kind in URLs -> (model, form, template noun)
ENTRIES = {
    "experience": (ExperienceEntry, ExperienceForm, "experience"),
    "supervision": (SupervisionSession, SupervisionForm, "supervision session"),
}
RECORDS = {"training": OutsideTraining, "ce": ContinuingEducation}


@bp.url_value_preprocessor
def _upload_limit(endpoint, values):
    # URL value preprocessors run before any before_request function, so the larger limit is in place
    # before the CSRF check reads (and so parses) the form.
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = UPLOAD_LIMIT


def _pathway(slug: str):
    pathway = catalog().pathway(slug)
    if pathway is None:
        abort(404)
    return pathway


def _own(model, record_id: int):
    """The current user's record, or 404 (whether it is someone else's or does not exist)."""
    record = db.session.get(model, record_id)
    if record is None or record.user_id != current_user.id:
        abort(404)
    return record


@bp.route("/")
@login_required
def home():
    """The trainee's pathways at a glance, and the others they could track."""
    chosen = [p for p in (catalog().pathway(s) for s in chosen_slugs(current_user.id)) if p is not None]
    form = ChooseForm()
    form.pathway.choices = [
        SelectChoice(p.slug, p.title)
        for p in sorted(catalog().pathways.values(), key=lambda p: p.title)
        if p not in chosen
    ]
    return render_template("portfolio/home.html", progresses=[progress(current_user.id, p) for p in chosen], form=form)


@bp.route("/pathways", methods=["POST"])
@login_required
def choose():
    form = ChooseForm()
    form.pathway.choices = [SelectChoice(slug, slug) for slug in catalog().pathways]
    if not form.validate_on_submit():
        flash("Please choose one of the credentials listed.", "error")
        return redirect(url_for(".home"))
    choose_pathway(current_user.id, form.pathway.data)
    db.session.commit()
    return redirect(url_for(".pathway", pathway_slug=form.pathway.data))


@bp.route("/pathways/<pathway_slug>")
@login_required
def pathway(pathway_slug: str):
    """Progress toward one pathway: each requirement done, pending and remaining, and what to do next."""
    path = _pathway(pathway_slug)
    return render_template(
        "portfolio/pathway.html",
        p=progress(current_user.id, path),
        tracked=path.slug in chosen_slugs(current_user.id),
        form=ConfirmForm(),
    )


@bp.route("/pathways/<pathway_slug>/stop", methods=["POST"])
@login_required
def drop(pathway_slug: str):
    path = _pathway(pathway_slug)
    if ConfirmForm().validate_on_submit():
        drop_pathway(current_user.id, path.slug)
        db.session.commit()
        flash(f"You no longer track {path.title}. Your records are kept.", "success")
    return redirect(url_for(".home"))


@bp.route("/records")
@login_required
def records():
    """Everything the trainee has recorded, with its state and who decided it."""

    def mine(model, order):
        return db.session.scalars(select(model).where(model.user_id == current_user.id).order_by(order.desc())).all()

    return render_template(
        "portfolio/records.html",
        experience=mine(ExperienceEntry, ExperienceEntry.worked_on),
        supervision=mine(SupervisionSession, SupervisionSession.held_on),
        training=mine(OutsideTraining, OutsideTraining.completed_on),
        ce=mine(ContinuingEducation, ContinuingEducation.completed_on),
        form=ConfirmForm(),
    )


@bp.route("/<any(experience, supervision):kind>/new", methods=["GET", "POST"])
@login_required
def new_entry(kind: str):
    model, form_class, noun = ENTRIES[kind]
    form = form_class()
    if form.validate_on_submit():
        entry = add_entry(model, current_user.id, **_entry_fields(kind, form))
        try:
            supervision.request_confirmation(entry, current_user, public_base())  # the share helper's hook
        except supervision.SelfAddressed as exc:
            db.session.rollback()
            form.supervisor_email.errors.append(str(exc))
            return _entry_page(form, kind, noun, None, 422)
        db.session.commit()
        flash(f"Your {noun} is saved. It counts once {form.supervisor_name.data} confirms it.", "success")
        return redirect(url_for(".records"))
    return _entry_page(form, kind, noun, None, 422 if form.errors else 200)


@bp.route("/<any(experience, supervision):kind>/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(kind: str, entry_id: int):
    model, form_class, noun = ENTRIES[kind]
    entry = _own(model, entry_id)
    if entry.state != "pending":
        flash(f"This {noun} was {entry.state}: it can no longer be changed.", "error")
        return _entry_page(None, kind, noun, entry, 409)
    form = form_class(obj=entry) if request.method == "GET" else form_class()
    if request.method == "GET" and kind == "experience":
        form.hours.data = round(Decimal(entry.minutes) / 60, 2)
    if form.validate_on_submit():
        before = supervision.fingerprint(entry)
        try:
            edit_pending(entry, **_entry_fields(kind, form))
            supervision.resend_if_changed(entry, before, current_user)  # the share helper's hook: a new link
        except supervision.SelfAddressed as exc:
            db.session.rollback()
            form.supervisor_email.errors.append(str(exc))
            return _entry_page(form, kind, noun, entry, 422)
        except Locked as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _entry_page(None, kind, noun, entry, 409)
        db.session.commit()
        flash(f"Your {noun} is updated.", "success")
        return redirect(url_for(".records"))
    return _entry_page(form, kind, noun, entry, 422 if form.errors else 200)


def _entry_page(form, kind: str, noun: str, entry, status: int):
    """The entry form (form None: a decided entry, shown without one) with the status to answer."""
    return render_template("portfolio/entry_form.html", form=form, kind=kind, noun=noun, entry=entry), status


def _entry_fields(kind: str, form) -> dict:
    common = {"supervisor_name": form.supervisor_name.data, "supervisor_email": form.supervisor_email.data}
    if kind == "experience":
        return {
            **common,
            "worked_on": form.worked_on.data,
            "minutes": round(form.hours.data * 60),
            "setting": form.setting.data,
            "activity": form.activity.data,
        }
    return {
        **common,
        "held_on": form.held_on.data,
        "minutes": form.minutes.data,
        "format": form.format.data,
        "notes": form.notes.data or None,
    }


@bp.route("/<any(experience, supervision, training, ce):kind>/<int:entry_id>/delete", methods=["POST"])
@login_required
def delete_record(kind: str, entry_id: int):
    model = ENTRIES[kind][0] if kind in ENTRIES else RECORDS[kind]
    record = _own(model, entry_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        delete_pending(record)
    except Locked as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return render_template("portfolio/locked.html", message=str(exc)), 409
    db.session.commit()
    flash("The entry is deleted.", "success")
    return redirect(url_for(".records"))


@bp.route("/training/new", methods=["GET", "POST"])
@login_required
def new_training():
    """Outside training with its certificate; a trainer accepts it before its hours count."""
    form = OutsideTrainingForm()
    return _with_evidence(
        form,
        "training",
        lambda evidence: add_outside_training(
            current_user.id,
            form.title.data,
            form.provider.data,
            form.completed_on.data,
            form.hours_by_domain(),
            evidence,
        ),
        "Your training is saved. Its hours count once one of your trainers accepts it.",
    )


@bp.route("/ce/new", methods=["GET", "POST"])
@login_required
def new_ce():
    """Continuing education taken elsewhere, with its certificate; a trainer accepts it before it counts."""
    form = ContinuingEducationForm()
    return _with_evidence(
        form,
        "ce",
        lambda evidence: add_continuing_education(
            current_user.id,
            form.title.data,
            form.provider.data,
            form.completed_on.data,
            float(form.hours.data),
            float(form.ethics_hours.data or 0),
            evidence,
        ),
        "Your continuing education is saved. It counts once one of your trainers accepts it.",
    )


def _with_evidence(form, kind: str, add, saved: str):
    """A record that comes with an uploaded certificate: the file stored and the record added (`add(evidence)`)
    in one commit, or the form again with the reason (422), keeping what was typed."""
    if form.validate_on_submit():
        try:
            add(store_evidence(current_user.id, form.evidence.data.filename, form.evidence.data.read()))
        except (EvidenceRefused, PortfolioError) as exc:
            db.session.rollback()
            form.evidence.errors = [str(exc)]
        else:
            db.session.commit()
            flash(saved, "success")
            return redirect(url_for(".records"))
    return render_template("portfolio/evidence_form.html", form=form, kind=kind), 422 if form.errors else 200


@bp.route("/evidence/<int:evidence_id>")
@login_required
def evidence(evidence_id: int):
    """An evidence file, to its owner and their trainers only, always as a download."""
    item = db.session.get(Evidence, evidence_id)
    if item is None or not access.owner_or_visible(current_user, item.user_id):
        abort(404)
    return Response(
        item.data,
        mimetype=item.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{item.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/pathways/<pathway_slug>/exam", methods=["GET", "POST"])
@login_required
def exam(pathway_slug: str):
    path = _pathway(pathway_slug)
    if path.exam is None:
        abort(404)
    form = ExamForm()
    if form.validate_on_submit():
        record_exam(current_user.id, path.slug, form.taken_on.data, form.passed.data == "yes")
        db.session.commit()
        flash("Your exam result is recorded.", "success")
        return redirect(url_for(".pathway", pathway_slug=path.slug))
    return render_template("portfolio/exam.html", form=form, pathway=path), 422 if form.errors else 200


@bp.route("/pathways/<pathway_slug>/certification", methods=["GET", "POST"])
@login_required
def certification(pathway_slug: str):
    path = _pathway(pathway_slug)
    form = CertificationForm()
    if form.validate_on_submit():
        record_certification(current_user.id, path.slug, form.certificate_number.data, form.certified_on.data)
        db.session.commit()
        flash(
            "Congratulations! Your certification is recorded."
            + (" Your page now tracks your renewal." if path.renewal else ""),
            "success",
        )
        return redirect(url_for(".pathway", pathway_slug=path.slug))
    return render_template("portfolio/certification.html", form=form, pathway=path), 422 if form.errors else 200
