"""Account emails."""
import smtplib
from email.message import EmailMessage

from flask import current_app

from .models import User


def send(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["MAIL_DEFAULT_SENDER"], to, subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def reset_link(token: str) -> str:
    """The reset address on the site's public URL (LMS_PUBLIC_URL): a forged Host header must not choose it."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + f"/account/reset/{token}"


def send_reset(user: User, token: str) -> None:
    send(user.email, "Set a new password", f"Hello {user.display_name},\n\nSomeone (we hope you) asked to set a new "
         f"password for your training account. Use this link within two hours; it works once:\n\n{reset_link(token)}\n\n"
         "If you did not ask for this, you can ignore this email: your password has not changed.\n")
