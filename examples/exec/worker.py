#!/usr/bin/env python3
"""A perfgate exec worker in Python: one operation per line, answered in order.

    perfgate exec -c 4 -d 10s -- python3 examples/exec/worker.py

Replace `operation` with the call to measure (a queue publish, a SQL query, a service method).
"""
import sys


def operation(payload):
    # The operation under test. Raise to report an error; its message reaches the result.
    if payload == "fail":
        raise RuntimeError("asked to fail")


def main():
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        op_id, _, payload = line.rstrip("\n").partition("\t")
        try:
            operation(payload)
            out.write(f"{op_id}\tok\n")
        except Exception as error:  # the worker lives on; perfgate counts the error
            message = str(error).replace("\t", " ").replace("\n", " ")
            out.write(f"{op_id}\terror\t{message}\n")
        out.flush()


if __name__ == "__main__":
    main()
