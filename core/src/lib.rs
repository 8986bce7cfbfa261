//! validator._core: the compiled data-plane core (see validator/engine/native.py for the contract).
use pyo3::prelude::*;

/// Version of the serialised-input contract between validator/engine/native.py and this crate;
/// the Python side refuses a core whose version differs (a stale build never answers).
const ABI_VERSION: u32 = 1;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ABI_VERSION", ABI_VERSION)?;
    Ok(())
}
