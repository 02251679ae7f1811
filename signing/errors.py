"""Errors of the signing library. Each carries an English message (logs, CLI) and a Vietnamese `user_message`."""

from __future__ import annotations

__all__ = [
    "AuthorizationRefused",
    "CredentialMismatch",
    "InvalidInput",
    "KeyUnavailable",
    "ProviderUnavailable",
    "RemoteSigningError",
    "SadExpired",
    "WrongPin",
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


class WrongPin(KeyUnavailable):
    """The signer's PIN/OTP was refused (by the remote provider, or by the key it protects)."""

    user_message = "Mã PIN/OTP ký số không đúng. Không có văn bản nào được ký."


class RemoteSigningError(SigningError):
    """The remote signing provider (CSC API) refused or failed; nothing was signed."""

    user_message = "Nhà cung cấp dịch vụ ký số từ xa từ chối yêu cầu ký. Không có văn bản nào được ký."

    def __init__(self, message: str = "", *, user_message: str | None = None, error: str = "", status: int = 0):
        super().__init__(message, user_message=user_message)
        self.error = error
        self.status = status


class ProviderUnavailable(RemoteSigningError):
    """The remote signing provider could not be reached or did not answer in time."""

    user_message = (
        "Không kết nối được tới nhà cung cấp dịch vụ ký số từ xa (hoặc quá thời gian chờ). "
        "Không có văn bản nào được ký; vui lòng thử lại sau."
    )


class AuthorizationRefused(RemoteSigningError):
    """The provider refused this application's own credentials (client id/secret, token)."""

    user_message = (
        "Hệ thống chưa được nhà cung cấp ký số từ xa cho phép kết nối (sai thông tin kết nối). "
        "Hãy báo quản trị hệ thống. Không có văn bản nào được ký."
    )


class SadExpired(RemoteSigningError):
    """The signature activation data (SAD) expired before the provider signed."""

    user_message = (
        "Phiên cho phép ký (SAD) của nhà cung cấp đã hết hạn trước khi ký xong. "
        "Không có văn bản nào được ký; hãy nhập lại PIN/OTP để ký lại."
    )


class CredentialMismatch(RemoteSigningError):
    """The remote credential is not the signer's (another owner, another account, another certificate)."""

    user_message = "Chứng thư số từ xa này không thuộc về bạn. Không có văn bản nào được ký."
