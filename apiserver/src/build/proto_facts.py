#!/usr/bin/env python3
"""Writes the protobuf wire facts skiff needs to read Kubernetes protobuf request bodies:
for each message of the listed generated.proto files, each field's number, JSON name, label and
type (message types fully qualified), and, from the Go types beside them, whether a scalar's zero
is left out of JSON (a value field tagged omitempty: "omit0") - the wire always carries value
fields, so only this tells an unset field from a pointer set to zero. Only these facts are kept.

usage (checkouts with generated.proto and types.go): proto_facts.py <kubernetes/api checkout> <kubernetes/apimachinery checkout> > k8s-proto-fields.txt
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


GO_STRUCT = re.compile(r"^type\s+(\w+)\s+struct\s*{")
GO_FIELD = re.compile(r'^\s+\w+\s+(\S+)\s+`json:"([^"]*)".*protobuf:"[^"]*?,(\d+),')


def omitted_zeros(directory):
    """(message, field number) of value (non-pointer) scalar fields tagged omitempty."""
    import glob
    result, struct = set(), None
    for path in glob.glob(f"{directory}/*types*.go"):
        for line in open(path):
            if m := GO_STRUCT.match(line):
                struct = m.group(1)
            elif line.startswith("}"):
                struct = None
            elif struct and (m := GO_FIELD.match(line)):
                go_type, json_tag, number = m.groups()
                if not go_type.startswith("*") and not go_type.startswith("[]") and not go_type.startswith("map[") \
                        and "omitempty" in json_tag:
                    result.add((struct, int(number)))
    return result


def facts(path, omit=frozenset()):
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
            flag = " omit0" if (message, int(m.group(4))) in omit and m.group(1) == "optional" else ""
            out.append(f"{m.group(4)} {m.group(3)} {m.group(1)} {qualify(m.group(2), package)}{flag}")
    return out


def qualify(type_name, package):
    if type_name in SCALARS:
        return type_name
    return type_name[1:] if type_name.startswith(".") else f"{package}.{type_name}"


if __name__ == "__main__":
    lines = []
    for d in API:
        lines += facts(f"{sys.argv[1]}/{d}/generated.proto", omitted_zeros(f"{sys.argv[1]}/{d}"))
    for d in MACHINERY:
        lines += facts(f"{sys.argv[2]}/{d}/generated.proto", omitted_zeros(f"{sys.argv[2]}/{d}"))
    print("\n".join(lines))
