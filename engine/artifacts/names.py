"""The file names and aliases of every model artifact, defined once."""

DEFAULT_MODEL = "multilingual-e5-small"
DEFAULT_ALIASES = frozenset({"", "default", "base", DEFAULT_MODEL, "e5-small", f"intfloat/{DEFAULT_MODEL}-offline"})

# a student directory (engine.encoders.students)
STUDENT_FILE = "student.json"
DELTA_FILE = "delta.safetensors"
DOCUMENT_OFFSETS_FILE = "document_offsets.safetensors"  # optional: engine.encoders.offsets

# an ONNX export directory (engine.onnx_export)
EXPORT_CARD_FILE = "card.json"
VARIANT_FILES = {"fp32": "model.onnx", "int8": "model.int8.onnx"}

# beside a Hugging Face model directory: its weights hash, keyed by file sizes and mtimes
FINGERPRINT_SIDECAR = ".optical_clir_fingerprint.json"
