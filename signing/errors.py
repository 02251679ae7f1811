"""Errors of the signing library. Each carries an English message (logs, CLI) and a Vietnamese `user_message`."""

from __future__ import annotations

__all__ = [
    "InvalidInput",
    "KeyUnavailable",
    "RevocationUnavailable",
    "SigningError",
    "TimestampUnavailable",
]


class SigningError(Exception):
    """Base class: anything the signing library refuses or cannot do."""

    user_message: str = "Không ký được văn bản. Vui lòng thử lại hoặc liên hệ quản trị hệ thống."

    def __init__(self, message: str = "", *, user_message: str | None = None):
        super().__init__(message or self.__class__.__doc__ or "signing error")
        if user_message is not None:
            self.user_message = user_message


class KeyUnavailable(SigningError):
    """The signing key cannot be used: unknown key id, missing token, wrong PIN or password."""

    user_message = "Không dùng được khóa ký (không tìm thấy khóa, thiếu thiết bị ký hoặc sai mật khẩu/PIN)."


class TimestampUnavailable(SigningError):
    """The time-stamping authority did not answer with a usable token."""

    user_message = "Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA)."


class RevocationUnavailable(SigningError):
    """Revocation data (OCSP/CRL) needed for B-LT/B-LTA could not be obtained; nothing was signed."""

    user_message = "Không lấy được thông tin thu hồi chứng thư số (OCSP/CRL) nên không thể ký ở mức B-LT/B-LTA."


class InvalidInput(SigningError):
    """The input is not a PDF this library can sign, or an argument is out of range."""

    user_message = "Tệp hoặc tham số không hợp lệ: cần một tệp PDF đọc được."
