// placeholder: implemented by the common area work
#include "core/common/clock.hpp"
