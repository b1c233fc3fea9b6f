"""On-call alerting (email + chat webhook) and mail to department contacts.

``canbao.alerts.notifier`` holds the Airflow failure notifier; it is not
imported here so that non-Airflow callers do not pay for importing Airflow.
"""

from canbao.alerts.send import (
    SEVERITIES,
    AlertResult,
    MailDeliveryError,
    SmtpConfig,
    send_alert,
    send_mail,
)

__all__ = ["SEVERITIES", "AlertResult", "MailDeliveryError", "SmtpConfig", "send_alert", "send_mail"]
