// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace Latchmail::Imap {

/// Builds one visitor for std::visit from several lambdas, one per response kind.
template <class... Handlers>
struct Overloaded : Handlers...
{
    using Handlers::operator()...;
};
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

} // namespace Latchmail::Imap
