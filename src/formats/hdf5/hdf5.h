// HDF5 via libhdf5: Keras .h5 model_config/training_config attributes, Lambda layers.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::hdf5 {

// Recognised by its signature alone (formats/registry.cc).
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

// Opens libhdf5 (loaded on first use: hdf5_lazy.cc); false when it cannot be loaded.
bool LoadHdf5();

}  // namespace mv::formats::hdf5
