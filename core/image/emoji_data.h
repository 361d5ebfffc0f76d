#pragma once
// The "noto-emoji" picture source: Noto Color Emoji (Debian fonts-noto-color-emoji, SIL Open Font License 1.1)
// rendered into small pictures with classes by theme (faces, animals, fruit, …), each emoji at a seeded random
// size and place on white. The train and test splits draw from different seeds, so the test pictures are new
// arrangements of the same emoji.
//
// Rendered with FreeType — the library Qt itself uses for colour glyphs — so the command line needs no display
// and data loading stays thread-safe on the job thread.
#include <cstdint>
#include <string>
#include <vector>

#include "image/image_data.h"

namespace weft::image {

// The font file: $WEFT_EMOJI_FONT, else the Debian package's path.
std::string noto_emoji_font();
// Class names, in label order, and the code points drawn for each class.
const std::vector<std::string>& noto_emoji_classes();
const std::vector<std::vector<char32_t>>& noto_emoji_code_points();

// `count` pictures (0: 600 per class for train, 100 per class for test), classes in turn. Throws weft::Error
// naming the font file when it is missing, not a colour font, or lacks one of the emoji.
ImageSet noto_emoji_pictures(bool test, int count, int size, int channels);

}  // namespace weft::image
