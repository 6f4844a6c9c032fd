"""Serving without torch: ONNX query and document encoders, students' language routing, and the int8 parity check
that decides, per CPU, whether int8 queries keep fp32's accuracy (:mod:`engine.serving.parity`)."""

from engine.serving.models import (
           OnnxStudent,
           load_base,
           load_documents,
           load_onnx_document_encoder,
           load_onnx_model,
           prepare_int8,
)
from engine.serving.parity import (
           PRECISIONS,
           ParityConfig,
           ParityResult,
           QueryPrecision,
           check_parity,
)

__all__ = ["PRECISIONS", "OnnxStudent", "ParityConfig", "ParityResult", "QueryPrecision", "check_parity", "load_base",
           "load_documents", "load_onnx_document_encoder", "load_onnx_model", "prepare_int8"]
