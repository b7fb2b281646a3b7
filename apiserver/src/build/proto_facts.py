#!/usr/bin/env python3
"""Writes the protobuf wire facts skiff needs to read Kubernetes protobuf request bodies:
for each message of the listed generated.proto files, each field's number, JSON name, label and
type (message types fully qualified). Only these facts are kept, no comments or other text.

usage: proto_facts.py <kubernetes/api checkout> <kubernetes/apimachinery checkout> > k8s-proto-fields.txt
"""
import re
import sys

API = ["core/v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "networking/v1", "policy/v1", "rbac/v1",
       "storage/v1", "scheduling/v1", "discovery/v1", "events/v1", "authentication/v1", "authentication/v1alpha1",
       "authentication/v1beta1", "authorization/v1", "coordination/v1"]
MACHINERY = ["pkg/apis/meta/v1", "pkg/util/intstr", "pkg/api/resource", "pkg/runtime"]
SCALARS = {"string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double", "float", "sint32", "sint64", "fixed32", "fixed64"}
FIELD = re.compile(r"^\s*(optional|repeated|required)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)")
MAP = re.compile(r"^\s*map<\s*(\w+)\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*(\d+)")


def facts(path):
    package, message, out = None, None, []
    for line in open(path):
        line = line.split("//")[0]
        if m := re.match(r"^package\s+([\w.]+);", line):
            package = m.group(1)
        elif m := re.match(r"^message\s+(\w+)", line):
            message = m.group(1)
            out.append(f"M {package}.{message}")
        elif m := MAP.match(line):
            out.append(f"{m.group(4)} {m.group(3)} map {qualify(m.group(2), package)}")
        elif m := FIELD.match(line):
            out.append(f"{m.group(4)} {m.group(3)} {m.group(1)} {qualify(m.group(2), package)}")
    return out


def qualify(type_name, package):
    if type_name in SCALARS:
        return type_name
    return type_name[1:] if type_name.startswith(".") else f"{package}.{type_name}"


if __name__ == "__main__":
    lines = []
    for d in API:
        lines += facts(f"{sys.argv[1]}/{d}/generated.proto")
    for d in MACHINERY:
        lines += facts(f"{sys.argv[2]}/{d}/generated.proto")
    print("\n".join(lines))
