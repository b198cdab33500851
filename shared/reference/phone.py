"""Indonesian phone numbers, stored as E.164 (`+628…`) so deduplication compares like with like.

People write the same mobile as `0812 3456 7890`, `0812-3456-7890`, `62812…` or `+62 812…`;
`phonenumbers` (region "ID") knows the numbering plan, so no home-made regex decides validity.
Letters are refused up front: `phonenumbers` would otherwise read them as a vanity keypad
("0812-CALL-NOW") and accept a typo such as `08l2…` (letter l) as some other number.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers import ValidationResult as Possible

from shared.reference.errors import InvalidPhone, Rule

INDONESIA = "ID"
_COUNTRY_CODE = 62
_WRITTEN = re.compile(r"\+?[0-9 ()\-.]+")
_BAD_LENGTHS = {Possible.TOO_SHORT, Possible.TOO_LONG, Possible.INVALID_LENGTH}
_PARSED_BAD_LENGTHS = {
    NumberParseException.TOO_SHORT_NSN,
    NumberParseException.TOO_SHORT_AFTER_IDD,
    NumberParseException.TOO_LONG,
}
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalise_phone(value: str) -> str:
    """The E.164 form of a valid Indonesian number, or `InvalidPhone` saying why not."""
    number = _parse(value)
    if number.country_code != _COUNTRY_CODE:
        raise InvalidPhone(Rule.PHONE_NOT_INDONESIAN, "the number is not an Indonesian (+62) one")
    if phonenumbers.is_possible_number_with_reason(number) in _BAD_LENGTHS:
        raise InvalidPhone(Rule.PHONE_INVALID_LENGTH, "the number is too short or too long")
    if not phonenumbers.is_valid_number_for_region(number, INDONESIA):
        raise InvalidPhone(Rule.PHONE_INVALID, "the number is not in the Indonesian numbering plan")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def is_mobile(value: str) -> bool:
    """Whether a valid number is a mobile (one that can receive WhatsApp/SMS), per its prefix."""
    number = phonenumbers.parse(normalise_phone(value), INDONESIA)
    return phonenumbers.number_type(number) in _MOBILE_TYPES


def _parse(value: object) -> phonenumbers.PhoneNumber:
    if not isinstance(value, str) or not _WRITTEN.fullmatch(" ".join(value.split())):
        raise InvalidPhone(
            Rule.PHONE_MALFORMED, "a phone number may hold only digits, '+', spaces, '-', '.', ()"
        )
    try:
        return phonenumbers.parse(value, INDONESIA)
    except NumberParseException as error:
        if error.error_type in _PARSED_BAD_LENGTHS:
            raise InvalidPhone(
                Rule.PHONE_INVALID_LENGTH, "the number is too short or too long"
            ) from error
        raise InvalidPhone(Rule.PHONE_MALFORMED, "the text is not a phone number") from error
