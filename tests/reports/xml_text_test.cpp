#include <gtest/gtest.h>

#include "reports/xml_text.hpp"

namespace {

TEST(XmlText, EscapesMarkup) {
  EXPECT_EQ(reports::xml_text("a<b>&c\"d'"), "a&lt;b&gt;&amp;c\"d'");
  EXPECT_EQ(reports::xml_attribute("a<b>&c\"d'"), "a&lt;b&gt;&amp;c&quot;d&apos;");
}

TEST(XmlText, ControlCharactersInvalidInXmlBecomeVisibleEscapes) {
  EXPECT_EQ(reports::xml_text(std::string("a\x01z\x1f\x7f", 5)), "a\\x01z\\x1f\x7f");
  EXPECT_EQ(reports::xml_text(std::string("nul\0!", 5)), "nul\\x00!");
  EXPECT_EQ(reports::xml_text("\xEF\xBF\xBE"), "\\ufffe");  // U+FFFE is not an XML character
}

TEST(XmlText, AttributesKeepWhitespaceThroughNormalization) {
  EXPECT_EQ(reports::xml_attribute("a\nb\tc\rd"), "a&#10;b&#9;c&#13;d");
  EXPECT_EQ(reports::xml_text("a\nb\tc"), "a\nb\tc");
}

TEST(XmlText, KeepsValidUtf8AndReplacesMalformedBytes) {
  EXPECT_EQ(reports::xml_text("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(reports::xml_text("bad\xFF!"), "bad\xEF\xBF\xBD!");
  EXPECT_EQ(reports::xml_text("over\xC0\xAF!"), "over\xEF\xBF\xBD\xEF\xBF\xBD!");  // overlong '/'
  EXPECT_EQ(reports::xml_text("cut\xE2\x82"), "cut\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(reports::xml_text("surrogate\xED\xA0\x80"), "surrogate\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
