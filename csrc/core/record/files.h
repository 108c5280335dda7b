/* The modes of what a recording creates: readable by the service's user and
 * its group (a backup or an uploader run as that group), never by others; a
 * recording holds a conversation. The process umask can only narrow them.
 * Header-only. */
#ifndef LCC_REC_FILES_H
#define LCC_REC_FILES_H

#define LCC_REC_FILE_MODE 0640 /* media files and the sidecar */
#define LCC_REC_DIR_MODE 0750  /* the recordings folder and each recording's folder */

#endif
