<?xml version="1.0" encoding="UTF-8"?>
<!--
  What a person sees who opens one of Potluck's RSS feeds in a browser: the feed's title, its items (linked
  titles and dates) and the feed's own address to paste into a feed reader. Feed readers ignore this file. It
  loads nothing but Potluck's own stylesheet, and writes every value from the feed as text (never as markup);
  only web addresses become links.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat" indent="no"/>

  <xsl:variable name="self" select="/rss/channel/atom:link[@rel='self']/@href"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="/rss/channel/title"/> (feed) · Potluck</title>
        <link rel="stylesheet" href="/styles/potluck.css"/>
      </head>
      <body>
        <main id="main" class="page narrow">
          <xsl:apply-templates select="/rss/channel"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="channel">
    <header>
      <p class="meta">A feed: follow it in a feed reader to see new work as it is published.</p>
      <h1><xsl:value-of select="title"/></h1>
      <xsl:if test="normalize-space(description) != '' and description != title">
        <p><xsl:value-of select="description"/></p>
      </xsl:if>
    </header>
    <section aria-labelledby="feed-subscribe" class="notice">
      <h2 id="feed-subscribe">Subscribe</h2>
      <p>To follow it, paste this address into your reader:</p>
      <p><code id="feed-address"><xsl:value-of select="$self"/></code></p>
      <xsl:if test="starts-with(link, 'http://') or starts-with(link, 'https://')">
        <p><a href="{link}">See the page this feed comes from</a></p>
      </xsl:if>
    </section>
    <section aria-labelledby="feed-items">
      <h2 id="feed-items">Newest first</h2>
      <xsl:choose>
        <xsl:when test="item">
          <ol class="feed-items">
            <xsl:apply-templates select="item"/>
          </ol>
        </xsl:when>
        <xsl:otherwise>
          <p>Nothing here yet.</p>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <h3>
        <xsl:variable name="name">
          <xsl:choose>
            <xsl:when test="normalize-space(title) != ''"><xsl:value-of select="normalize-space(title)"/></xsl:when>
            <!-- A post without a title (a microblog post): its opening words, as the hub's river names it. -->
            <xsl:when test="normalize-space(description) != '' and not(starts-with(normalize-space(description), '&lt;'))">
              <xsl:value-of select="substring(normalize-space(description), 1, 80)"/>
              <xsl:if test="string-length(normalize-space(description)) &gt; 80">…</xsl:if>
            </xsl:when>
            <xsl:otherwise>A post without a title</xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:choose>
          <xsl:when test="starts-with(link, 'http://') or starts-with(link, 'https://')">
            <a href="{link}"><xsl:value-of select="$name"/></a>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="$name"/></xsl:otherwise>
        </xsl:choose>
      </h3>
      <p class="meta">
        <xsl:if test="dc:creator"><xsl:value-of select="dc:creator"/> · </xsl:if>
        <!-- The day as RSS writes it ("Sat, 21 Mar 2026"), without the time of day. -->
        <span class="feed-date"><xsl:value-of select="substring(pubDate, 1, 16)"/></span>
        <xsl:if test="enclosure"> · with a file attached</xsl:if>
      </p>
    </li>
  </xsl:template>
</xsl:stylesheet>
