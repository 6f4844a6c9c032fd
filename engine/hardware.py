"""What the CPU can do, in the terms that change our numerics or speed: integer dot-product kernels (AVX2,
AVX-512, VNNI, AMX) and native bf16. Benchmarks and parity checks record it, so a figure reads against its hardware.

Runs as a script too (``python3 engine/hardware.py``, no dependencies), which is how ``.ci/run`` prints it first.
"""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass

# The /proc/cpuinfo flags that matter here (others are left out of reports).
NUMERIC_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16",
                 "amx_bf16", "amx_int8", "amx_tile")


@dataclass(frozen=True)
class CpuInfo:
    model: str
    features: tuple[str, ...]  # the NUMERIC_FLAGS this CPU has

    @property
    def kind(self) -> str:
        """A short name for the class of CPU: ``avx512-vnni-bf16``, ``avx512``, ``avx2-vnni``, ``avx2`` ..."""
        f = set(self.features)
        if "avx512f" in f:
            parts = ["avx512"] + (["vnni"] if "avx512_vnni" in f else []) + (["bf16"] if "avx512_bf16" in f else [])
            parts += ["amx"] if "amx_int8" in f else []
        elif "avx2" in f:
            parts = ["avx2"] + (["vnni"] if "avx_vnni" in f else [])
        else:
            parts = [platform.machine() or "unknown"]
        return "-".join(parts)

    @property
    def int8_dot_product(self) -> str:
        """The instruction onnxruntime's u8s8 kernels use here: ``vnni``/``amx`` accumulate u8*s8 products in int32
        exactly; plain ``avx2``/``avx512`` sum pairs of them in int16 with saturation (``vpmaddubsw``)."""
        f = set(self.features)
        if "amx_int8" in f:
            return "amx"
        if "avx512_vnni" in f or "avx_vnni" in f:
            return "vnni"
        return "pmaddubsw-int16" if "avx2" in f else "other"

    def as_dict(self) -> dict:
        return {**asdict(self), "kind": self.kind, "int8_dot_product": self.int8_dot_product}


def cpu_info(cpuinfo_path: str = "/proc/cpuinfo") -> CpuInfo:
    """The CPU this process runs on (Linux ``/proc/cpuinfo``; elsewhere the platform name and no flags)."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open(cpuinfo_path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model in ("", platform.machine(), platform.processor()):
                    model = value.strip()
                elif key == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    return CpuInfo(model=model, features=tuple(f for f in NUMERIC_FLAGS if f in flags))


if __name__ == "__main__":
    info = cpu_info()
    print(f"cpu: {info.model} | kind {info.kind} | int8 dot product: {info.int8_dot_product} | "
          f"features: {' '.join(info.features) or '-'}")
