#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# libtok from Python with ctypes (the example of docs/client.md, run by the consumer test).
# Usage: tok_ctypes.py SOCKET PROFILE   ($TOK_LIBRARY: path of libtok.so.0, else found by name)
import ctypes
import ctypes.util
import os
import sys

lib = ctypes.CDLL(os.environ.get("TOK_LIBRARY") or ctypes.util.find_library("tok") or "libtok.so.0")

lib.tok_client_new.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p)]
lib.tok_client_free.argtypes = [ctypes.c_void_p]
lib.tok_get.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_double, ctypes.POINTER(ctypes.c_void_p)]
lib.tok_token_value.argtypes = [ctypes.c_void_p]
lib.tok_token_value.restype = ctypes.c_char_p
lib.tok_token_expires_at.argtypes = [ctypes.c_void_p]
lib.tok_token_expires_at.restype = ctypes.c_int64
lib.tok_token_free.argtypes = [ctypes.c_void_p]
lib.tok_status_json.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
lib.tok_free.argtypes = [ctypes.c_void_p]
lib.tok_strerror.restype = ctypes.c_char_p
lib.tok_last_error_message.argtypes = [ctypes.c_void_p]
lib.tok_last_error_message.restype = ctypes.c_char_p


class TokError(Exception):
    pass


class Client:
    def __init__(self, socket=None, timeout_ms=10000):
        self._h = ctypes.c_void_p()
        self._check(lib.tok_client_new(socket.encode() if socket else None, timeout_ms, ctypes.byref(self._h)))

    def close(self):
        lib.tok_client_free(self._h)
        self._h = ctypes.c_void_p()

    def _check(self, rc):
        if rc != 0:
            detail = lib.tok_last_error_message(self._h).decode() if self._h else ""
            raise TokError(f"{lib.tok_strerror(rc).decode()}: {detail}")

    def token(self, profile, min_ttl=0.0):
        t = ctypes.c_void_p()
        self._check(lib.tok_get(self._h, profile.encode(), min_ttl, ctypes.byref(t)))
        try:
            return lib.tok_token_value(t).decode(), lib.tok_token_expires_at(t)
        finally:
            lib.tok_token_free(t)  # wipes the token's memory

    def status_json(self, profile=None):
        out = ctypes.c_void_p()
        self._check(lib.tok_status_json(self._h, profile.encode() if profile else None, ctypes.byref(out)))
        try:
            return ctypes.string_at(out).decode()
        finally:
            lib.tok_free(out)


if __name__ == "__main__":
    socket, profile = sys.argv[1], sys.argv[2]
    client = Client(socket)
    try:
        client.token("no-such-profile")
        sys.exit("expected an error for an unknown profile")
    except TokError as e:
        assert "unknown_profile" in str(e) and "is not configured" in str(e), e
    value, expires_at = client.token(profile)
    assert '"name":"%s"' % profile in client.status_json(profile)
    print(value)
    client.close()
